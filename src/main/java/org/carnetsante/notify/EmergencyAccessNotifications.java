package org.carnetsante.notify;

import java.time.Duration;
import org.carnetsante.audit.EmergencyAccessRecorded;
import org.springframework.context.event.EventListener;

/**
 * The patient is told of every emergency access to their space (design.md, "Emergency access"): once per
 * professional and mode within {@code window}, not once per request (a professional who breaks the glass
 * reads many resources in a few minutes).
 */
public class EmergencyAccessNotifications {

	private final NotificationOutbox outbox;
	private final Duration window;

	public EmergencyAccessNotifications(NotificationOutbox outbox, Duration window) {
		this.outbox = outbox;
		this.window = window;
	}

	@EventListener
	public void emergencyAccess(EmergencyAccessRecorded access) {
		outbox.addUnlessRecent(access.patientId(), NotificationKind.EMERGENCY_ACCESS, access.mode() + " " + access.who(), window);
	}
}
