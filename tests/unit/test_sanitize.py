from rich.cells import cell_len

from tui.core.sanitize import LOG_LINE_LIMIT, cell_width, clean, clean_log_line, cut_cells, fit_cells


def test_plain_text_is_unchanged():
    assert clean("ip-10-1-2-3.us-west-2.compute.internal") == "ip-10-1-2-3.us-west-2.compute.internal"


def test_osc52_clipboard_write_is_removed():
    hostile = "before\x1b]52;c;ZWNobyBwd25lZA==\x07after"
    assert clean(hostile) == "beforeafter"
    # the ST-terminated form and the 8-bit form too
    assert clean("a\x1b]52;c;eA==\x1b\\b") == "ab"
    assert clean("a\x9d52;c;eA==\x9cb") == "ab"


def test_csi_sequences_are_removed():
    assert clean("\x1b[2J\x1b[31mred\x1b[0m") == "red"
    assert clean("x\x9b2Jy") == "xy"


def test_unterminated_sequences_do_not_leak():
    assert "\x1b" not in clean("ok\x1b]0;title without end")
    assert clean("ok\x1b") == "ok"


def test_controls_become_visible_pictures():
    assert clean("a\x00b\x07c") == "a\u2400b\u2407c"
    assert clean("a\x7fb") == "a\u2421b"


def test_bidi_overrides_and_surrogates_are_replaced():
    assert clean("abc\u202edcba") == "abc\ufffddcba"
    assert clean("x\ud800y") == "x\ufffdy"


def test_bytes_with_invalid_utf8_decode_with_replacement():
    assert clean(b"caf\xc3\xa9 \xff\xfe") == "café \ufffd\ufffd"


def test_newlines_fold_to_one_line_unless_kept():
    assert clean("one\ntwo\n") == "one ⏎ two"
    assert clean("one\r\ntwo", keep_newlines=True) == "one\ntwo"


def test_tabs_expand():
    assert clean("a\tb") == "a       b"


def test_long_lines_are_cut_with_a_visible_mark():
    line = clean_log_line("x" * (LOG_LINE_LIMIT + 500))
    assert line.startswith("x" * LOG_LINE_LIMIT)
    assert line.endswith("[cut 500 chars]")
    assert len(line) < LOG_LINE_LIMIT + 40


def test_widths_are_terminal_cells():
    assert cell_width("abc") == 3
    assert cell_width("日本語") == 6
    assert cell_width("e\u0301") == 1  # a combining mark takes no cell
    assert cell_width("👨\u200d👩\u200d👧") == cell_len("👨\u200d👩\u200d👧")


def test_fit_cells_cuts_and_pads_by_cells():
    for text in ("日本語テキスト", "plain ascii text", "e\u0301" * 9, "a日b本c語", "👨\u200d👩\u200d👧 family"):
        for width in range(1, 12):
            fitted = fit_cells(text, width)
            assert cell_width(fitted) == width, (text, width, fitted)
            assert cell_width(fit_cells(text, width, align="right")) == width
            assert cell_width(cut_cells(text, width)) <= width
    assert fit_cells("日本語", 4) == "日… "
    assert fit_cells("abc", 5, align="right") == "  abc"


def test_a_dangling_zero_width_joiner_is_dropped():
    family = "👨\u200d👩\u200d👧"
    assert clean(family) == family  # joiners between emoji stay
    assert clean("👨\u200d👩\u200d") == "👨\u200d👩"
    assert clean("a\u200d b\u200d") == "a b"
    for text in (clean("👨\u200d👩\u200d"), clean("x\u200d")):
        assert cell_width(text + "   ") == cell_width(text) + 3  # padding after it counts
    assert "\u200d…" not in clean("xxxxx👨\u200d👩", max_len=6)
