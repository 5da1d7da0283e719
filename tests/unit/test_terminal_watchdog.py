import os
import pty

from tui.app import terminal_alive


def test_a_live_pty_is_alive_and_a_hung_up_one_is_not():
    master, slave = pty.openpty()
    try:
        assert terminal_alive(slave)
        os.close(master)
        assert not terminal_alive(slave)
    finally:
        os.close(slave)


def test_a_pipe_is_not_a_terminal():
    read_end, write_end = os.pipe()
    try:
        assert not terminal_alive(read_end)
    finally:
        os.close(read_end)
        os.close(write_end)
