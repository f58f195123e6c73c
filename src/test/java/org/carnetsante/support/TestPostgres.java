package org.carnetsante.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The throw-away PostgreSQL database of one test run, on the real server the machine provides
 * ({@code carnet.test.postgres.url}, default 127.0.0.1:5432). Created on first use, dropped when the
 * shared test server stops ({@link TestDatabaseDropping}). Databases that a killed run left behind
 * are dropped once they are six hours old.
 */
public final class TestPostgres {

	private static final String PREFIX = "carnet_it_";
	private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");
	private static final long STALE_AFTER_HOURS = 6;

	private static String databaseName;

	private TestPostgres() {}

	public static synchronized String jdbcUrl() {
		if (databaseName == null) {
			databaseName = PREFIX + LocalDateTime.now().format(STAMP) + "_"
					+ UUID.randomUUID().toString().substring(0, 8);
			dropStaleDatabases();
			execute("CREATE DATABASE " + databaseName);
		}
		return serverUrl().replaceFirst("/[^/?]*(\\?|$)", "/" + databaseName + "$1");
	}

	/** A further throw-away database (for a server run in its own process); drop it with {@link #drop}. */
	public static synchronized String newDatabase(String purpose) {
		String name = PREFIX + LocalDateTime.now().format(STAMP) + "_" + purpose + "_" + UUID.randomUUID().toString().substring(0, 8);
		execute("CREATE DATABASE " + name);
		return name;
	}

	/** The JDBC URL of a database of the test PostgreSQL server. */
	public static String urlOf(String database) {
		return serverUrl().replaceFirst("/[^/?]*(\\?|$)", "/" + database + "$1");
	}

	public static void drop(String database) {
		execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
	}

	public static String user() {
		return System.getProperty("carnet.test.postgres.user", "postgres");
	}

	static synchronized void dropDatabase() {
		if (databaseName != null) {
			execute("DROP DATABASE IF EXISTS " + databaseName + " WITH (FORCE)");
			databaseName = null;
		}
	}

	private static String serverUrl() {
		return System.getProperty("carnet.test.postgres.url", "jdbc:postgresql://127.0.0.1:5432/postgres");
	}

	private static void dropStaleDatabases() {
		String oldest = LocalDateTime.now().minusHours(STALE_AFTER_HOURS).format(STAMP);
		List<String> stale = new ArrayList<>();
		try (Connection connection = DriverManager.getConnection(serverUrl(), user(), "");
				Statement statement = connection.createStatement();
				ResultSet names = statement.executeQuery(
						"SELECT datname FROM pg_database WHERE datname LIKE '" + PREFIX + "%'")) {
			while (names.next()) {
				String name = names.getString(1);
				if (name.substring(PREFIX.length()).compareTo(oldest) < 0) {
					stale.add(name);
				}
			}
		} catch (SQLException e) {
			throw new IllegalStateException("Cannot reach the test PostgreSQL server at " + serverUrl(), e);
		}
		stale.forEach(name -> execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"));
	}

	private static void execute(String sql) {
		try (Connection connection = DriverManager.getConnection(serverUrl(), user(), "");
				Statement statement = connection.createStatement()) {
			statement.execute(sql);
		} catch (SQLException e) {
			throw new IllegalStateException("Test database statement failed: " + sql, e);
		}
	}
}
