# SPDX-License-Identifier: Apache-2.0
"""What the tests' small loopback servers share (cred_server.py, fault_proxy.py,
hold_proxy.py): ending with the test that started them, and telling it their port."""
import os
import socket
import threading
import time


def exit_with_parent():
    """Ends this server when the test that started it is gone (even if it crashed)."""
    def watch(parent):
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)
    threading.Thread(target=watch, args=(os.getppid(),), daemon=True).start()


def publish_port(port_file, port):
    """Writes the port to PORT_FILE at once (the test polls for the file)."""
    with open(port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.replace(port_file + ".tmp", port_file)


def serve_tcp(port_file, handle):
    """Accepts connections on a loopback port written to PORT_FILE, each handled
    by handle(connection) in a thread of its own; never returns."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    publish_port(port_file, listener.getsockname()[1])
    while True:
        connection, _ = listener.accept()
        threading.Thread(target=handle, args=(connection,), daemon=True).start()


def relay(src, dst, filter_chunk=None):
    """Copies SRC to DST until either end closes or fails, then shuts both down.
    filter_chunk(chunk), when given, returns the bytes to forward (b"" drops the
    chunk), or None to stop at once, leaving the sockets as it left them."""
    try:
        while True:
            chunk = src.recv(65536)
            if not chunk:
                break
            if filter_chunk is not None:
                chunk = filter_chunk(chunk)
                if chunk is None:
                    return
            if chunk:
                dst.sendall(chunk)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
