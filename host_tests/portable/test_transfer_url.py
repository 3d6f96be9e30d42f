# lib/transfer/url: the ftp:// and http:// locations of GetLog and firmware updates.
from transfer.url import parse_location


def test_user_password_port_and_path_are_read_and_percent_decoded():
    where = parse_location("ftp://us%40er:p%3Ass@files.example:2121/logs/")
    assert (where.scheme, where.user, where.password, where.host, where.port, where.path) == \
        ("ftp", "us@er", "p:ss", "files.example", 2121, "/logs/")
    where = parse_location("HTTP://[::1]:8080")
    assert (where.scheme, where.user, where.host, where.port, where.path) == \
        ("http", None, "::1", 8080, "/")
    where = parse_location("ftp://anon@h/f.log")
    assert (where.user, where.password, where.port) == ("anon", None, 21)


def test_anything_else_is_a_value_error():
    for text in ("gopher://h/", "ftps://h/", "ftp:/h", "ftp://", "ftp://:21/", "http://h:0/",
                 "http://h:99999/", "http://h:x/", "ftp://h a/"):
        try:
            parse_location(text)
        except ValueError:
            continue
        raise AssertionError("accepted %r" % text)
