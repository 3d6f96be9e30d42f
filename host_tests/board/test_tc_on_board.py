"""Core and Remote Trigger compliance cases (host_tests/test_tc_*.py) run again with the
station on the emulated board (boards/mps2_an385): the same case functions, their station
started by tc.board_station instead of tc.station on the 32-bit unix port. What the board
adds is its own code path: the frozen firmware on a Cortex-M3 with a 128 KB heap, lwIP and
the LAN9118 driver under the WebSocket, littlefs on its flash, its hardware over UART1.

A chosen set, to keep `make test` within its budget (docs/compliance.md says which run
here): boot, authorization, a session with meter values, remote start and stop,
configuration, reset, unlock, trigger message, offline (the board's Ethernet cable pulled:
the control port's `net down`, QEMU's link switch), a power cut; and of Smart Charging the
cases whose code the others leave unrun on the board: profiles of each purpose in flash,
the limits told to the power stage over the board's UART, the composite schedule in A and
W, a remote start's profile, clearing; of the Local Authorization List, its file on the
board's littlefs authorizing a start; of Reservation, a reserved connector and connector 0;
of Firmware Management, every case (TC_044_1..3, TC_045_1 over FTP and HTTP, TC_045_2):
downloads to the board's flash and uploads of its diagnostics through lwIP, the FTP data
connections included (the file servers' ports forwarded, the launcher's --forward).
"""
import os
import sys

import pytest

from emulator import ROOT

sys.path.insert(0, os.path.join(ROOT, "host_tests"))
import test_tc_authorization as authorization  # noqa: E402
import test_tc_boot as boot  # noqa: E402
import test_tc_diagnostics as diagnostics  # noqa: E402
import test_tc_local_list as local_list  # noqa: E402
import test_tc_remote_control as remote_control  # noqa: E402
import test_tc_remote_trigger as remote_trigger  # noqa: E402
import test_tc_reservation as reservation  # noqa: E402
import test_tc_smart_charging as smart_charging  # noqa: E402
import test_tc_transactions as transactions  # noqa: E402
import test_tc_update_firmware as update_firmware  # noqa: E402
from file_servers import FtpServer, HttpServer  # noqa: E402
from tc import CentralThread, board_station, booted  # noqa: E402

CASES = [
    boot.test_TC_001_cold_boot_rejected_then_accepted,
    authorization.test_TC_003_regular_charging_session_plugin_first,
    authorization.test_TC_012_remote_stop_charging_session,
    transactions.test_TC_070_sampled_meter_values,
    transactions.test_TC_038_offline_stop_transaction,
    transactions.test_TC_039_offline_transaction,
    remote_control.test_TC_013_hard_reset_without_transaction,
    remote_control.test_TC_016_soft_reset_with_transaction,
    remote_trigger.test_TC_054_trigger_message,
    smart_charging.test_TC_056_tx_default_profile,
    smart_charging.test_TC_057_tx_profile,
    smart_charging.test_TC_058_1_tx_profile_without_a_transaction_is_rejected,
    smart_charging.test_TC_058_2_tx_profile_for_another_transaction_is_rejected,
    smart_charging.test_TC_059_remote_start_transaction_with_charging_profile,
    smart_charging.test_TC_060_remote_start_with_a_profile_not_tx_profile_is_rejected,
    smart_charging.test_TC_067_clear_charging_profile,
    smart_charging.test_TC_072_stacking_charging_profiles,
    smart_charging.test_TC_082_tx_default_profile_with_ongoing_transaction,
    local_list.test_TC_008_regular_start_charging_session_id_in_local_list,
    reservation.test_TC_046_1_reservation_of_a_connector_local_start,
    reservation.test_TC_049_reservation_of_a_charge_point_transaction,
    reservation.test_TC_053_use_a_reserved_connector_with_parent_id_tag,
]
# The cases with a folder of files to serve.
FILE_CASES = [
    update_firmware.test_TC_044_1_firmware_update_download_and_install,
    update_firmware.test_TC_044_2_firmware_update_download_failed,
    update_firmware.test_TC_044_3_firmware_update_installation_failed,
    diagnostics.test_TC_045_2_get_diagnostics_upload_failed,
]
POWER_CUT_CASES = [
    transactions.test_TC_032_2_power_failure_stops_the_transaction_after_power_returns,
]
# The cases that share one station (test_tc_remote_control's station_cs): each leaves it
# as it found it.
SHARED_STATION_CASES = [
    remote_control.test_TC_017_2_unlock_connector_fixed_cable_no_session,
    remote_control.test_TC_018_2_unlock_connector_fixed_cable_with_session,
    remote_control.test_TC_019_every_required_core_key_with_its_accessibility,
    remote_control.test_TC_021_change_configuration,
    remote_control.test_TC_040_1_configuration_key_not_supported,
    remote_control.test_TC_040_2_configuration_key_invalid_value,
]


def case_id(case):
    return case.__name__[len("test_"):]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_on_board(firmware, case):
    case(starter=board_station)


@pytest.mark.parametrize("unit", ["A", "W"])
def test_TC_066_get_composite_schedule_on_board(firmware, unit):
    smart_charging.test_TC_066_get_composite_schedule(unit, starter=board_station)


@pytest.mark.parametrize("case", FILE_CASES, ids=case_id)
def test_with_files_on_board(firmware, tmp_path, case):
    case(tmp_path, starter=board_station)


@pytest.mark.parametrize("server_class", [FtpServer, HttpServer])
def test_TC_045_1_get_diagnostics_on_board(firmware, tmp_path, server_class):
    diagnostics.test_TC_045_1_get_diagnostics(tmp_path, server_class, starter=board_station)


@pytest.mark.parametrize("case", POWER_CUT_CASES, ids=case_id)
def test_power_cut_on_board(firmware, tmp_path, case):
    case(tmp_path, starter=board_station)


@pytest.fixture(scope="module")
def board_cs(firmware):
    with CentralThread(heartbeat_interval_s=60) as cs, board_station(cs) as station:
        booted(cs)
        yield station, cs


@pytest.mark.parametrize("case", SHARED_STATION_CASES, ids=case_id)
def test_on_one_board(board_cs, case):
    case(board_cs)
