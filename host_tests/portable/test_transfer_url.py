# lib/transfer/url: the ftp://, ftps:// and http(s):// locations of GetLog and firmware updates.
from transfer.url import parse_location, without_credentials


def test_user_password_port_and_path_are_read_and_percent_decoded():
    where = parse_location("ftp://us%40er:p%3Ass@files.example:2121/logs/")
    assert (where.scheme, where.user, where.password, where.host, where.port, where.path) == \
        ("ftp", "us@er", "p:ss", "files.example", 2121, "/logs/")
    where = parse_location("HTTP://[::1]:8080")
    assert (where.scheme, where.user, where.host, where.port, where.path) == \
        ("http", None, "::1", 8080, "/")
    where = parse_location("ftp://anon@h/f.log")
    assert (where.user, where.password, where.port) == ("anon", None, 21)


def test_ftps_is_explicit_tls_on_the_ftp_port_with_decoded_credentials():
    where = parse_location("ftps://st%20ation:p%40ss%2Fw%3Ard%25@files.example/fw/")
    assert (where.scheme, where.user, where.password, where.host, where.port, where.path) == \
        ("ftps", "st ation", "p@ss/w:rd%", "files.example", 21, "/fw/")
    assert where.tls and where.ssl_context is None  # its owner sets the context
    assert parse_location("FTPS://h:990/").port == 990
    assert parse_location("https://h/").tls
    assert not parse_location("ftp://h/").tls and not parse_location("http://h/").tls


def test_anything_else_is_a_value_error():
    for text in ("gopher://h/", "sftp://h/", "ftp:/h", "ftp://", "ftp://:21/", "http://h:0/",
                 "http://h:99999/", "http://h:x/", "ftp://h a/", "ftps://u:p@/"):
        try:
            parse_location(text)
        except ValueError:
            continue
        raise AssertionError("accepted %r" % text)


def test_an_error_never_shows_the_user_or_the_password():
    for text in ("gopher://agent:hunter2@h/", "agent:hunter2@h/", "ftps://agent:hunter2@:x/",
                 "ftps://agent:hunter2@h:99999/", "ftps://agent:hunter2@/"):
        try:
            parse_location(text)
        except ValueError as error:
            assert "agent" not in str(error) and "hunter2" not in str(error), error
            continue
        raise AssertionError("accepted %r" % text)


def test_without_credentials_hides_each_urls_user_and_password():
    frame = ('[2,"1","GetLog",{"log":{"remoteLocation":"ftps://st%40tion:p@ss@h:21/logs"},'
             '"x":"http://u:v@w/","y":"ftp://h/","z":"https://a@b"}]')
    assert without_credentials(frame) == (
        '[2,"1","GetLog",{"log":{"remoteLocation":"ftps://***@h:21/logs"},'
        '"x":"http://***@w/","y":"ftp://h/","z":"https://***@b"}]')
    assert without_credentials("no URL, a@b") == "no URL, a@b"
