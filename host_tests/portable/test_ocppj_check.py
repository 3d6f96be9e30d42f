"""ocppj.check against the generated tables: representative fields of many actions, each
error code of OCPP-J 1.6 table 7 that a payload can earn, and the JSON schema errata."""
from ocppj import errors
from ocppj.check import check_request, check_response, is_action, is_datetime
from test_ocppj_frames import expect_error

NOW = "2024-05-01T12:00:00Z"
BOOT = {"chargePointVendor": "VendorX", "chargePointModel": "SingleSocketCharger"}


def merged(base, **changes):
    result = dict(base)
    for key in changes:
        result[key] = changes[key]
    return result


def field_error(cls, check, action, payload):
    return expect_error(cls, check, action, payload).details["field"]


def test_boot_notification_valid_payloads():
    check_request("BootNotification", BOOT)
    check_request("BootNotification", merged(BOOT, firmwareVersion="1.0", iccid="8931", imsi="2620"))
    check_response("BootNotification", {"status": "Accepted", "currentTime": NOW, "interval": 300})


def test_missing_required_field_is_occurence_constraint_violation():
    payload = {"chargePointVendor": "VendorX"}
    field = field_error(errors.OccurenceConstraintViolation, check_request, "BootNotification", payload)
    assert field == "chargePointModel"


def test_max_length_is_property_constraint_violation():
    check_request("BootNotification", merged(BOOT, chargePointVendor="v" * 20))
    payload = merged(BOOT, chargePointVendor="v" * 21)
    field = field_error(errors.PropertyConstraintViolation, check_request, "BootNotification", payload)
    assert field == "chargePointVendor"


def test_wrong_json_type_is_type_constraint_violation():
    for value in (5, None, True, ["x"], {"a": "b"}):
        payload = merged(BOOT, chargePointModel=value)
        expect_error(errors.TypeConstraintViolation, check_request, "BootNotification", payload)


def test_errata_3_2_extra_property_is_formation_violation():
    payload = merged(BOOT, colour="red")
    field = field_error(errors.FormationViolation, check_request, "BootNotification", payload)
    assert field == "colour"
    expect_error(errors.FormationViolation, check_request, "Heartbeat", {"x": 1})
    check_request("Heartbeat", {})


def test_errata_3_2_extra_property_in_inner_object_is_formation_violation():
    payload = {"idTagInfo": {"status": "Accepted", "colour": "red"}}
    field = field_error(errors.FormationViolation, check_response, "Authorize", payload)
    assert field == "idTagInfo.colour"


def test_crafted_keys_do_not_match_table_text():
    # Keys that contain the table's separators must not be taken for a defined field.
    for key in ("chargePointModel=S20;chargePointSerialNumber", "=", "", "S20;", "Model"):
        expect_error(errors.FormationViolation, check_request, "BootNotification", merged(BOOT, **{key: "x"}))
    field = field_error(errors.FormationViolation, check_response, "Authorize",
                        {"idTagInfo": {"status": "Accepted", "": 1}})
    assert field == "idTagInfo."


def test_errata_2_4_boot_notification_interval_is_an_integer():
    base = {"status": "Accepted", "currentTime": NOW}
    for interval in (300.0, 300.5, "300", True):
        expect_error(errors.TypeConstraintViolation, check_response, "BootNotification",
                     merged(base, interval=interval))


def test_enum_value_outside_the_list_is_property_constraint_violation():
    base = {"currentTime": NOW, "interval": 300}
    for status in ("accepted", "Accept", "Accepted,Pending", "", "Accepted ", "Rejected,"):
        expect_error(errors.PropertyConstraintViolation, check_response, "BootNotification",
                     merged(base, status=status))
    for status in ("Accepted", "Pending", "Rejected"):
        check_response("BootNotification", merged(base, status=status))


def test_bool_is_not_an_integer_on_either_interpreter():
    payload = {"connectorId": True, "type": "Hard"}
    expect_error(errors.TypeConstraintViolation, check_request, "ChangeAvailability", payload)
    check_request("ChangeAvailability", {"connectorId": 0, "type": "Inoperative"})


def test_integer_is_not_a_boolean():
    payload = {"configurationKey": [{"key": "HeartbeatInterval", "readonly": 1, "value": "300"}]}
    field = field_error(errors.TypeConstraintViolation, check_response, "GetConfiguration", payload)
    assert field == "configurationKey[0].readonly"
    payload["configurationKey"][0]["readonly"] = False
    check_response("GetConfiguration", payload)


def test_date_time_format_is_checked():
    good = ("2024-05-01T12:00:00Z", "2024-05-01T12:00:00.123Z", "2024-05-01T12:00:00+02:00",
            "2024-05-01T12:00:00.5-05:30", "2024-05-01T12:00:00", "2024-12-31T23:59:60z",
            "2024-05-01t12:00:00Z")
    bad = ("", "yesterday", "2024-05-01", "2024-13-01T12:00:00Z", "2024-05-32T12:00:00Z",
           "2024-05-01 12:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01T12:00:00.Z",
           "2024-05-01T12:00:00Zx", "2024-05-01T12:00:00+2:00", "2024-5-01T12:00:00Z",
           "2024-05-01T12:00:00+02:60", "2024-05-01T12:00:00.5\u00e9",
           "\uff12024-05-01T12:00:00Z", "2024-05-01\u00c912:00:00Z", "2024-05-01T12:00:00\u00daZ")
    for text in good:
        assert is_datetime(text), text
    for text in bad:
        assert not is_datetime(text), text
    payload = {"connectorId": 1, "idTag": "TAG", "meterStart": 0, "timestamp": "2024-05-01"}
    field = field_error(errors.PropertyConstraintViolation, check_request, "StartTransaction", payload)
    assert field == "timestamp"


def test_start_transaction_request_and_response():
    payload = {"connectorId": 1, "idTag": "TAG", "meterStart": 1200, "timestamp": NOW}
    check_request("StartTransaction", payload)
    check_request("StartTransaction", merged(payload, reservationId=7))
    expect_error(errors.TypeConstraintViolation, check_request, "StartTransaction",
                 merged(payload, meterStart="1200"))
    check_response("StartTransaction", {"idTagInfo": {"status": "Accepted"}, "transactionId": 5})
    expect_error(errors.OccurenceConstraintViolation, check_response, "StartTransaction",
                 {"idTagInfo": {"status": "Accepted"}})
    expect_error(errors.OccurenceConstraintViolation, check_response, "StartTransaction",
                 {"idTagInfo": {"expiryDate": NOW}, "transactionId": 5})


def test_errata_2_6_stop_transaction_reason_is_optional():
    payload = {"transactionId": 5, "meterStop": 2000, "timestamp": NOW}
    check_request("StopTransaction", payload)
    check_request("StopTransaction", merged(payload, reason="EVDisconnected"))


def test_errata_2_1_both_celsius_spellings_accepted():
    for unit in ("Celcius", "Celsius"):
        sample = {"value": "21", "measurand": "Temperature", "unit": unit}
        check_request("MeterValues", {"connectorId": 1,
                                      "meterValue": [{"timestamp": NOW, "sampledValue": [sample]}]})
        check_request("StopTransaction", {
            "transactionId": 5, "meterStop": 2000, "timestamp": NOW,
            "transactionData": [{"timestamp": NOW, "sampledValue": [sample]}]})


def meter_values(*samples):
    return {"connectorId": 1, "transactionId": 5,
            "meterValue": [{"timestamp": NOW, "sampledValue": list(samples)}]}


def test_meter_values_nested_arrays():
    check_request("MeterValues", meter_values(
        {"value": "1200", "context": "Sample.Periodic", "format": "Raw",
         "measurand": "Energy.Active.Import.Register", "location": "Outlet", "unit": "Wh"},
        {"value": "16.2", "measurand": "Current.Import", "phase": "L1", "unit": "A"}))
    field = field_error(errors.OccurenceConstraintViolation, check_request, "MeterValues",
                        meter_values({"value": "1"}, {"unit": "Wh"}))
    assert field == "meterValue[0].sampledValue[1].value"
    field = field_error(errors.PropertyConstraintViolation, check_request, "MeterValues",
                        meter_values({"value": "1", "measurand": "Energy"}))
    assert field == "meterValue[0].sampledValue[0].measurand"
    field = field_error(errors.TypeConstraintViolation, check_request, "MeterValues",
                        meter_values("1200"))
    assert field == "meterValue[0].sampledValue[0]"


def test_missing_required_array_is_occurence_constraint_violation():
    field = field_error(errors.OccurenceConstraintViolation, check_request, "MeterValues", {"connectorId": 1})
    assert field == "meterValue"
    field = field_error(errors.OccurenceConstraintViolation, check_request, "MeterValues",
                        {"connectorId": 1, "meterValue": [{"timestamp": NOW}]})
    assert field == "meterValue[0].sampledValue"


def test_min_items_is_occurence_constraint_violation():
    field = field_error(errors.OccurenceConstraintViolation, check_request, "MeterValues",
                        {"connectorId": 1, "meterValue": []})
    assert field == "meterValue"
    expect_error(errors.OccurenceConstraintViolation, check_request, "MeterValues", meter_values())
    expect_error(errors.TypeConstraintViolation, check_request, "MeterValues",
                 {"connectorId": 1, "meterValue": {"timestamp": NOW}})


def test_change_configuration():
    check_request("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "300"})
    check_request("ChangeConfiguration", {"key": "k" * 50, "value": "v" * 500})
    expect_error(errors.PropertyConstraintViolation, check_request, "ChangeConfiguration",
                 {"key": "k" * 51, "value": "1"})
    expect_error(errors.PropertyConstraintViolation, check_request, "ChangeConfiguration",
                 {"key": "k", "value": "v" * 501})
    expect_error(errors.TypeConstraintViolation, check_request, "ChangeConfiguration",
                 {"key": "HeartbeatInterval", "value": 300})
    for status in ("Accepted", "Rejected", "RebootRequired", "NotSupported"):
        check_response("ChangeConfiguration", {"status": status})


def charging_profile(**schedule_changes):
    schedule = {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.3}]}
    return {"connectorId": 1, "csChargingProfiles": {
        "chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute", "chargingSchedule": merged(schedule, **schedule_changes)}}


def test_set_charging_profile_nested_objects():
    check_request("SetChargingProfile", charging_profile())
    check_request("SetChargingProfile", charging_profile(
        duration=3600, startSchedule=NOW, minChargingRate=6,
        chargingSchedulePeriod=[{"startPeriod": 0, "limit": 32}, {"startPeriod": 60, "limit": 6.1,
                                                                  "numberPhases": 3}]))
    field = field_error(errors.OccurenceConstraintViolation, check_request, "SetChargingProfile",
                        charging_profile(chargingSchedulePeriod=[{"limit": 16}]))
    assert field == "csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].startPeriod"
    field = field_error(errors.TypeConstraintViolation, check_request, "SetChargingProfile",
                        charging_profile(chargingSchedulePeriod=[{"startPeriod": 0, "limit": "16"}]))
    assert field == "csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit"
    expect_error(errors.PropertyConstraintViolation, check_request, "SetChargingProfile",
                 charging_profile(chargingRateUnit="kW"))
    expect_error(errors.FormationViolation, check_request, "SetChargingProfile",
                 charging_profile(chargingSchedulePeriod=[{"startPeriod": 0, "limit": 6, "x": 1}]))


def test_multiple_of_0_1_and_finite_numbers():
    for limit in (16.35, 0.01, float("nan"), float("inf"), -float("inf")):
        expect_error(errors.PropertyConstraintViolation, check_request, "SetChargingProfile",
                     charging_profile(chargingSchedulePeriod=[{"startPeriod": 0, "limit": limit}]))
    for limit in (0, 0.1, 16.3, 31.9, 1000.7):
        check_request("SetChargingProfile",
                      charging_profile(chargingSchedulePeriod=[{"startPeriod": 0, "limit": limit}]))


def test_remote_start_transaction_with_optional_profile():
    check_request("RemoteStartTransaction", {"idTag": "TAG"})
    profile = charging_profile()["csChargingProfiles"]
    profile["chargingProfilePurpose"] = "TxProfile"
    check_request("RemoteStartTransaction", {"idTag": "TAG", "connectorId": 1, "chargingProfile": profile})
    expect_error(errors.PropertyConstraintViolation, check_request, "RemoteStartTransaction",
                 {"idTag": "T" * 21})


def test_send_local_list_uses_the_errata_2_3_idtaginfo():
    entry = {"idTag": "TAG", "idTagInfo": {"status": "Blocked", "expiryDate": NOW, "parentIdTag": "P"}}
    check_request("SendLocalList", {"listVersion": 2, "updateType": "Full",
                                    "localAuthorizationList": [entry]})


def test_security_sign_and_install_certificate():
    check_request("SignCertificate", {"csr": "-----BEGIN CERTIFICATE REQUEST-----"})
    check_request("SignCertificate", {"csr": "c" * 5500})
    expect_error(errors.PropertyConstraintViolation, check_request, "SignCertificate", {"csr": "c" * 5501})
    check_response("SignCertificate", {"status": "Accepted"})
    payload = {"certificateType": "CentralSystemRootCertificate", "certificate": "PEM"}
    check_request("InstallCertificate", payload)
    expect_error(errors.PropertyConstraintViolation, check_request, "InstallCertificate",
                 merged(payload, certificateType="V2GRootCertificate"))
    expect_error(errors.OccurenceConstraintViolation, check_request, "InstallCertificate",
                 {"certificate": "PEM"})
    check_response("InstallCertificate", {"status": "Failed"})


def test_security_certificate_hash_data():
    hash_data = {"hashAlgorithm": "SHA256", "issuerNameHash": "a" * 64, "issuerKeyHash": "b" * 64,
                 "serialNumber": "01"}
    check_request("DeleteCertificate", {"certificateHashData": hash_data})
    expect_error(errors.PropertyConstraintViolation, check_request, "DeleteCertificate",
                 {"certificateHashData": merged(hash_data, hashAlgorithm="MD5")})
    check_response("GetInstalledCertificateIds", {"status": "Accepted", "certificateHashData": [hash_data]})
    check_response("GetInstalledCertificateIds", {"status": "NotFound"})
    expect_error(errors.OccurenceConstraintViolation, check_response, "GetInstalledCertificateIds",
                 {"status": "Accepted", "certificateHashData": []})


def test_security_signed_update_firmware_and_events():
    firmware = {"location": "https://fw.example/1.bin", "retrieveDateTime": NOW,
                "signingCertificate": "PEM", "signature": "SIG"}
    check_request("SignedUpdateFirmware", {"requestId": 1, "firmware": firmware})
    field = field_error(errors.OccurenceConstraintViolation, check_request, "SignedUpdateFirmware",
                        {"requestId": 1, "firmware": {k: firmware[k] for k in firmware if k != "signature"}})
    assert field == "firmware.signature"
    check_request("SecurityEventNotification", {"type": "FirmwareUpdated", "timestamp": NOW})
    check_request("LogStatusNotification", {"status": "Uploading", "requestId": 3})
    check_request("ExtendedTriggerMessage", {"requestedMessage": "SignChargePointCertificate"})


def test_data_transfer_and_get_configuration_arrays():
    check_request("DataTransfer", {"vendorId": "com.example", "messageId": "m", "data": "x" * 2000})
    check_request("GetConfiguration", {"key": ["HeartbeatInterval", "k" * 50]})
    expect_error(errors.PropertyConstraintViolation, check_request, "GetConfiguration", {"key": ["k" * 51]})
    expect_error(errors.TypeConstraintViolation, check_request, "GetConfiguration", {"key": "HeartbeatInterval"})
    check_response("GetConfiguration", {"unknownKey": ["Foo"]})


def test_update_firmware_errata_2_5_retries_are_integers():
    payload = {"location": "ftp://fw.example/fw.bin", "retrieveDate": NOW, "retries": 3}
    check_request("UpdateFirmware", payload)
    expect_error(errors.TypeConstraintViolation, check_request, "UpdateFirmware", merged(payload, retries=3.0))


def test_unknown_action_is_not_implemented():
    expect_error(errors.NotImplementedAction, check_request, "FooBar", {})
    expect_error(errors.NotImplementedAction, check_response, "Heartbeat.req", {})


def test_payload_must_be_an_object():
    expect_error(errors.TypeConstraintViolation, check_request, "Heartbeat", [])
    expect_error(errors.TypeConstraintViolation, check_response, "Heartbeat", None)


def test_first_fault_in_field_name_order_is_reported_on_every_interpreter():
    payload = {"chargePointVendor": 5, "chargePointModel": "m" * 30, "imsi": 1}
    e = expect_error(errors.PropertyConstraintViolation, check_request, "BootNotification", payload)
    assert e.details["field"] == "chargePointModel"
    assert "chargePointModel" in e.description


def test_valid_payload_is_checked_without_allocating():
    import gc
    if not hasattr(gc, "mem_alloc"):
        return  # only MicroPython exposes its heap use
    from ocppj import check

    sample = {"value": "1200", "measurand": "Energy.Active.Import.Register", "unit": "Wh",
              "context": "Sample.Periodic"}
    # Under _TABLE_FROM_ITEMS objects nothing at all; from there one table of the item's
    # fields per array, garbage once the check is done (448 bytes for a sampledValue's eight
    # fields on a 64-bit interpreter, the dict grown step by step).
    for items, bound in ((check._TABLE_FROM_ITEMS - 1, 512), (9, 10 * 600)):
        payload = meter_values(*[sample] * items)
        check_request("MeterValues", payload)
        gc.collect()
        before = gc.mem_alloc()
        for _ in range(10):
            check_request("MeterValues", payload)
        if check._TABLE is not None:
            # Frozen or ROMFS: the lines are read in place for each check and dropped after
            # it, so they are garbage, none of it kept.
            gc.collect()
        assert gc.mem_alloc() - before < bound, items


def test_tables_read_in_place_keep_no_line_between_checks():
    # As a frozen firmware or a ROMFS partition holds them (a memoryview of the flash): each
    # check reads its lines from there again, so none stays in the heap between checks.
    from ocppj import check

    in_place = check._TABLE  # frozen into this interpreter, else read here
    if in_place is None:
        with open(check._DATA_PATH, "rb") as f:
            in_place = memoryview(f.read())
    saved_table, saved_lines = check._TABLE, dict(check._lines)
    check._TABLE = in_place
    check._lines.clear()
    try:
        check_request("MeterValues", meter_values(
            {"value": "1200", "context": "Sample.Periodic", "measurand": "SoC", "unit": "Percent"}))
        field = field_error(errors.PropertyConstraintViolation, check_request, "MeterValues",
                            meter_values({"value": "1", "measurand": "Energy"}))
        assert field == "meterValue[0].sampledValue[0].measurand"
        assert is_action("Heartbeat") and not is_action("Heartbeats")
        assert check._lines == {}
    finally:
        check._TABLE = saved_table
        check._lines.update(saved_lines)


def test_a_long_array_of_objects_gets_the_errors_of_a_short_one():
    # Four objects and more are checked against a table of the item's fields made once
    # (ocppj.check._check_objects); the verdicts and the fields named must be the same.
    def entry(n):
        return {"key": "Key%d" % n, "readonly": False, "value": str(n)}

    faults = (
        (errors.OccurenceConstraintViolation, "key", lambda item: item.pop("key")),
        (errors.FormationViolation, "extra", lambda item: item.update(extra=1)),
        (errors.TypeConstraintViolation, "readonly", lambda item: item.update(readonly="no")),
        (errors.PropertyConstraintViolation, "value", lambda item: item.update(value="v" * 501)),
        (errors.TypeConstraintViolation, None, None),  # an item that is not an object
    )
    for count in (1, 4, 9):
        check_response("GetConfiguration", {"configurationKey": [entry(n) for n in range(count)]})
        for cls, name, spoil in faults:
            entries = [entry(n) for n in range(count)]
            if spoil is None:
                entries[-1] = ["not", "an", "object"]
            else:
                spoil(entries[-1])
            field = field_error(cls, check_response, "GetConfiguration",
                                {"configurationKey": entries})
            where = "configurationKey[%d]" % (count - 1)
            assert field == (where if name is None else where + "." + name), (count, field)
