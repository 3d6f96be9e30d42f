"""Puts the station on a board over its serial port, as `make deploy` does: the device code
cross-compiled to .mpy (tools/mpy_build.py), then either a ROMFS image written to the
board's ROM partition (`mpremote romfs deploy`, where the firmware has ROMFS) or the .mpy
tree copied to its flash (`mpremote cp`), and a provisioning file written to its flash.
With --out DIR instead of --port, the same is written to DIR: the .mpy tree, its ROMFS
image (station.romfs), the provisioning file and the files it names, and the entry files.

    python tools/deploy.py (--port PORT | --out DIR) [--board NAME] [--provision FILE]
                           [--identity ID] [--csms-url URL] [--authorization-key HEX]
                           [--ca FILE] [--client-certificate FILE --client-key FILE]
                           [--network dhcp|IP/PREFIX,GATEWAY[,DNS]]

What goes: lib/ and firmware/ whole (modules loaded on demand are named, not imported),
boards/__init__ and the board's own package with the board packages it imports. The
provisioning settings come from --provision (a local JSON file with the same names as the
options, never committed: provision.local.json is ignored by git) and the options, which
win. On the board: /provision.json ({"identity", "csms_url", "authorization_key", "ca",
"client_certificate", "client_key"}, the last three naming DER files beside it) and those
files, and "network" when given (boards/common/provisioning.py: "dhcp" or the static
{"ip", "netmask", "gateway", "dns"}). Certificates may be given as PEM or DER; the board gets
DER. A board package with a deploy manifest (boards/<board>/deploy.json) names its entry
modules: /boot.py and /main.py that import boards.<board>.boot and .main ("entry"), and the
heap its firmware leaves ("heap_bytes"), against which copied .mpy files are weighed.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import import_graph  # noqa: E402

MPY_DIR = os.path.join(ROOT, "build", "mpy")
STAGE_DIR = os.path.join(ROOT, "build", "deploy")
SETTINGS = ("identity", "csms_url", "authorization_key", "ca", "client_certificate",
            "client_key", "network")
CERTIFICATE_FILES = {"ca": "ca.der", "client_certificate": "client_certificate.der",
                     "client_key": "client_key.der"}
MPREMOTE_TIMEOUT_S = 300


def fail(message):
    sys.exit("deploy: " + message)


def mpremote(port, *command, timeout_s=MPREMOTE_TIMEOUT_S):
    """Runs one mpremote command on the board at `port` without resetting it; its output."""
    done = subprocess.run([mpremote_tool(), "connect", port, "resume"] + list(command), cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout_s)
    if done.returncode != 0:
        fail("mpremote %s: %s" % (" ".join(command[:2]), (done.stderr or done.stdout).strip()))
    return done.stdout


def mpremote_tool():
    """mpremote beside this Python, else the project's (.venv), else on the PATH."""
    for folder in (os.path.dirname(sys.executable), os.path.join(ROOT, ".venv", "bin")):
        if os.path.exists(os.path.join(folder, "mpremote")):
            return os.path.join(folder, "mpremote")
    return "mpremote"


def board_packages(board):
    """boards.<board> and every board package (or module of boards/) its modules import."""
    edges, _ = import_graph.graph(ROOT)
    wanted, todo = set(), ["boards." + board]
    if todo[0] not in edges and not any(m.startswith(todo[0] + ".") for m in edges):
        fail("no board %r in boards/" % board)
    while todo:
        package = todo.pop()
        if package in wanted:
            continue
        wanted.add(package)
        for module in [m for m in edges if m == package or m.startswith(package + ".")]:
            for target in edges[module]:
                parts = target.split(".")
                if parts[0] == "boards" and len(parts) > 1:
                    todo.append("boards." + parts[1])
    return sorted(wanted)


def stage(board):
    """The .mpy files the board gets, laid out as on its flash, in STAGE_DIR/<board>."""
    done = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "mpy_build.py"),
                           MPY_DIR], capture_output=True, text=True)
    if done.returncode != 0:
        fail(done.stdout + done.stderr)
    target = os.path.join(STAGE_DIR, board)
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(MPY_DIR, target, ignore=shutil.ignore_patterns("boards"))
    os.makedirs(os.path.join(target, "boards"))
    shutil.copy(os.path.join(MPY_DIR, "boards", "__init__.mpy"), os.path.join(target, "boards"))
    for package in board_packages(board):
        name = package.split(".")[1]
        source = os.path.join(MPY_DIR, "boards", name)
        if os.path.isdir(source):
            shutil.copytree(source, os.path.join(target, "boards", name))
        else:  # a module of boards/ itself (boards/bootloader.py)
            shutil.copy(source + ".mpy", os.path.join(target, "boards"))
    return target


def settings(args):
    found = {}
    if args.provision:
        try:
            with open(args.provision) as f:
                found = json.load(f)
        except (OSError, ValueError) as error:
            fail("%s: %s" % (args.provision, error))
        unknown = sorted(set(found) - set(SETTINGS))
        if unknown:
            fail("%s: unknown settings %s" % (args.provision, ", ".join(unknown)))
    for name in SETTINGS:
        value = getattr(args, name)
        if value is not None:
            found[name] = value
    for name in ("identity", "csms_url"):
        if not found.get(name):
            fail("--%s is needed (or in --provision)" % name.replace("_", "-"))
    if not re.fullmatch(r"wss?://[^/]+/.*", found["csms_url"]):
        fail("--csms-url %r: a ws:// or wss:// URL" % found["csms_url"])
    key = found.get("authorization_key")
    if key is not None and not re.fullmatch(r"([0-9a-fA-F]{2}){16,20}", key):
        fail("--authorization-key: 32 to 40 hex digits (the bytes of the key)")
    if ("client_certificate" in found) != ("client_key" in found):
        fail("--client-certificate and --client-key go together")
    if "network" in found:
        found["network"] = network_setting(found["network"])
    return found


def network_setting(value):
    """"dhcp", or the static address of IP/PREFIX,GATEWAY[,DNS] (or such an object)."""
    if value == "dhcp" or type(value) is dict:
        return value
    match = re.fullmatch(r"(\d+\.\d+\.\d+\.\d+)/(\d+),(\d+\.\d+\.\d+\.\d+)"
                         r"(?:,(\d+\.\d+\.\d+\.\d+))?", str(value))
    if match is None or not 1 <= int(match.group(2)) <= 30:
        fail("--network %r: dhcp, or IP/PREFIX,GATEWAY[,DNS] such as "
             "192.168.1.50/24,192.168.1.1" % (value,))
    ip, prefix, gateway, dns = match.groups()
    mask = (0xFFFFFFFF << (32 - int(prefix))) & 0xFFFFFFFF
    netmask = ".".join(str(mask >> shift & 0xFF) for shift in (24, 16, 8, 0))
    for address in (ip, gateway, dns or gateway):
        if any(int(part) > 255 for part in address.split(".")):
            fail("--network: %s is not an IPv4 address" % address)
    return {"ip": ip, "netmask": netmask, "gateway": gateway, "dns": dns or gateway}


def manifest(board):
    """The board package's deploy manifest (deploy.json), {} without one."""
    path = os.path.join(ROOT, "boards", board, "deploy.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def entry_files(board, folder):
    """{name on the board: local path} of the entry files the manifest names."""
    files = {}
    for name in manifest(board).get("entry", ()):
        local = os.path.join(folder, name + ".py")
        with open(local, "w") as f:
            f.write("import boards.%s.%s\n" % (board, name))
        files[name + ".py"] = local
    return files


def tree_bytes(tree):
    return sum(os.path.getsize(os.path.join(folder, name))
               for folder, _, names in os.walk(tree) for name in names)


def der(path):
    """A certificate or key file's DER bytes, from PEM or DER."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        fail("%s: %s" % (path, error.strerror))
    if b"-----BEGIN" not in data:
        return data
    import base64
    body = re.search(rb"-----BEGIN [^-]+-----(.*?)-----END", data, re.S)
    if body is None:
        fail("%s: PEM without an END line" % path)
    return base64.b64decode(b"".join(body.group(1).split()))


def provisioning_files(found, folder):
    """{name on the board: local path} of /provision.json and the DER files it names."""
    files = {}
    provision = {name: found.get(name) for name in ("identity", "csms_url",
                                                    "authorization_key")}
    if "network" in found:
        provision["network"] = found["network"]
    for name, board_name in CERTIFICATE_FILES.items():
        provision[name] = None
        if found.get(name):
            local = os.path.join(folder, board_name)
            with open(local, "wb") as f:
                f.write(der(found[name]))
            files[board_name] = local
            provision[name] = board_name
    local = os.path.join(folder, "provision.json")
    with open(local, "w") as f:
        json.dump(provision, f)
    files["provision.json"] = local
    return files


def has_romfs(port):
    """The firmware has a ROM partition to write (as mpremote's romfs command asks)."""
    answer = mpremote(port, "exec", "import vfs\nprint(hasattr(vfs, 'rom_ioctl') and "
                                    "vfs.rom_ioctl(1) > 0)\n").strip()
    return answer.endswith("True")


def copy_tree(port, tree):
    folders = sorted(os.path.relpath(folder, tree).replace(os.sep, "/")
                     for folder, _, _ in os.walk(tree) if folder != tree)
    mpremote(port, "exec", "import os\nfor p in %r:\n try:\n  os.mkdir(p)\n"
                           " except OSError:\n  pass\n" % folders)
    # One mpremote run copies every file: a connection per file takes a second each.
    command = []
    for folder, _, names in os.walk(tree):
        for name in sorted(names):
            local = os.path.join(folder, name)
            remote = os.path.relpath(local, tree).replace(os.sep, "/")
            command += ["fs", "cp", local, ":" + remote, "+"]
    if command:
        mpremote(port, *command[:-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--port", help="the board's serial port (or pty)")
    where.add_argument("--out", help="a folder to write the image and provisioning files to")
    parser.add_argument("--board", default="sim", help="the board package in boards/")
    parser.add_argument("--provision", help="a local JSON file of the settings below")
    parser.add_argument("--identity")
    parser.add_argument("--csms-url")
    parser.add_argument("--authorization-key")
    parser.add_argument("--ca", help="the Central System's root certificate, PEM or DER")
    parser.add_argument("--client-certificate")
    parser.add_argument("--client-key")
    parser.add_argument("--network", help="dhcp, or IP/PREFIX,GATEWAY[,DNS]")
    parser.add_argument("--mpy", action="store_true",
                        help="copy the .mpy tree even where the firmware has ROMFS")
    args = parser.parse_args(argv)
    found = settings(args)
    tree = stage(args.board)
    if args.out:
        write_out(args, found, tree)
        return
    if not args.mpy and has_romfs(args.port):
        mpremote(args.port, "romfs", "--no-mpy", "deploy", tree)
        how = "ROMFS image"
    else:
        copy_tree(args.port, tree)
        how = ".mpy files"
        heap = manifest(args.board).get("heap_bytes")
        if heap and tree_bytes(tree) > heap // 2:
            print("deploy: warning: the firmware has no ROM partition: the .mpy files (%d KB) "
                  "load into a heap of %d KB; the station needs a firmware with ROMFS or with "
                  "the station frozen in (docs/boards.md)" % (tree_bytes(tree) // 1024,
                                                             heap // 1024))
    with tempfile.TemporaryDirectory() as folder:
        files = provisioning_files(found, folder)
        files.update(entry_files(args.board, folder))
        command = []
        for board_name, local in sorted(files.items()):
            command += ["fs", "cp", local, ":" + board_name, "+"]
        mpremote(args.port, *command[:-1])
    print("deploy: %s (%s) and /provision.json for %s on %s"
          % (args.board, how, found["identity"], args.port))


def write_out(args, found, tree):
    """The files a board's flash gets, in args.out: mpy/ (the tree), station.romfs (its
    image, for a ROM partition), and the provisioning and entry files."""
    os.makedirs(args.out, exist_ok=True)
    target = os.path.join(args.out, "mpy")
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(tree, target)
    done = subprocess.run([mpremote_tool(), "romfs", "--no-mpy",
                           "-o", os.path.join(args.out, "station.romfs"), "build", tree],
                          cwd=ROOT, capture_output=True, text=True, timeout=MPREMOTE_TIMEOUT_S)
    if done.returncode != 0:
        fail("mpremote romfs build: " + (done.stderr or done.stdout).strip())
    files = provisioning_files(found, args.out)
    files.update(entry_files(args.board, args.out))
    print("deploy: %s for %s in %s: mpy/, station.romfs, %s"
          % (args.board, found["identity"], args.out, ", ".join(sorted(files))))


if __name__ == "__main__":
    main()
