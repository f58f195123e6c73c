package org.carnetsante.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * A TCP port free on this machine now, asked of the operating system (never a fixed number): for a
 * server whose issuer, which names its port, must be known before it starts.
 */
public final class FreePorts {

	private FreePorts() {}

	public static int pick() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		} catch (IOException e) {
			throw new UncheckedIOException("No free port on the loopback interface", e);
		}
	}
}
