package org.carnetsante.support;

import org.carnetsante.smart.UserAccounts;
import org.carnetsante.support.TestSpace.Item;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Tests of what passes between professionals and a patient (messages, appointments): one {@link TestSpace}
 * whose patient (Claire) has an e-mail address, the GP's token of messaging and booking software, Claire's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class CorrespondenceTest extends CarnetServerTest {

	@Autowired
	UserAccounts accounts;

	protected TestSpace space;
	/** Claire's space, {@code Patient/[id]}. */
	protected String claire;
	protected String claireAddress;
	/** The GP's token of messaging and booking software. */
	protected String gp;
	protected String claireToken;

	@BeforeAll
	void aSpaceWhosePatientHasAnAddress() {
		space = new TestSpace(baseUrl(), clients, accounts, fhirClient()).build();
		claire = space.id(Item.PATIENT);
		claireAddress = space.giveThePatientAnEmailAddress();
		gp = space.professionalMessagingToken(space.gp);
		claireToken = space.patientToken();
	}
}
