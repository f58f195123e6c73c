package org.carnetsante.support;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Sends a request and returns the answer; a transport failure fails the test. */
public final class Http {

	private Http() {}

	static HttpResponse<String> send(HttpClient client, HttpRequest request) {
		return send(client, request, HttpResponse.BodyHandlers.ofString());
	}

	/** The answer as bytes, for documents retrieved raw. */
	public static HttpResponse<byte[]> sendBytes(HttpClient client, HttpRequest request) {
		return send(client, request, HttpResponse.BodyHandlers.ofByteArray());
	}

	private static <T> HttpResponse<T> send(HttpClient client, HttpRequest request, HttpResponse.BodyHandler<T> body) {
		try {
			return client.send(request, body);
		} catch (IOException e) {
			throw new IllegalStateException(e);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(e);
		}
	}
}
