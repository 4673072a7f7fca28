"""A TCP relay in front of a server, for tests that take the server away: killing this process
cuts every connection through it and refuses new ones, as a server that went down does;
starting it again on the same port brings the server back.

Usage: tcp_proxy.py LISTEN_PORT TARGET_HOST TARGET_PORT
"""
import socket
import sys
import threading

from fake_http import exit_with_parent

LISTEN_PORT, TARGET_HOST, TARGET_PORT = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])


def pipe(source, target):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, target):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    exit_with_parent()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", LISTEN_PORT))
    listener.listen(128)
    while True:
        client, _ = listener.accept()
        try:
            server = socket.create_connection((TARGET_HOST, TARGET_PORT))
        except OSError:
            client.close()
            continue
        threading.Thread(target=pipe, args=(client, server), daemon=True).start()
        threading.Thread(target=pipe, args=(server, client), daemon=True).start()


main()
