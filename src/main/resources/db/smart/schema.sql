-- Tables of Carnet's embedded SMART authorization server, for PostgreSQL and H2 alike. Column names
-- are those Spring Authorization Server's JDBC stores read and write. Tokens and attributes are kept
-- as varchar(100000) (varchar, which both databases size generously), instants with their time zone.

CREATE TABLE IF NOT EXISTS oauth2_registered_client (
    id varchar(100) NOT NULL PRIMARY KEY,
    client_id varchar(100) NOT NULL UNIQUE,
    client_id_issued_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    client_secret varchar(200) DEFAULT NULL,
    client_secret_expires_at timestamp with time zone DEFAULT NULL,
    client_name varchar(200) NOT NULL,
    client_authentication_methods varchar(1000) NOT NULL,
    authorization_grant_types varchar(1000) NOT NULL,
    redirect_uris varchar(1000) DEFAULT NULL,
    post_logout_redirect_uris varchar(1000) DEFAULT NULL,
    scopes varchar(100000) NOT NULL,
    client_settings varchar(100000) NOT NULL,
    token_settings varchar(100000) NOT NULL
);

CREATE TABLE IF NOT EXISTS oauth2_authorization (
    id varchar(100) NOT NULL PRIMARY KEY,
    registered_client_id varchar(100) NOT NULL,
    principal_name varchar(200) NOT NULL,
    authorization_grant_type varchar(100) NOT NULL,
    authorized_scopes varchar(100000) DEFAULT NULL,
    attributes varchar(100000) DEFAULT NULL,
    state varchar(500) DEFAULT NULL,
    authorization_code_value varchar(100000) DEFAULT NULL,
    authorization_code_issued_at timestamp with time zone DEFAULT NULL,
    authorization_code_expires_at timestamp with time zone DEFAULT NULL,
    authorization_code_metadata varchar(100000) DEFAULT NULL,
    access_token_value varchar(100000) DEFAULT NULL,
    access_token_issued_at timestamp with time zone DEFAULT NULL,
    access_token_expires_at timestamp with time zone DEFAULT NULL,
    access_token_metadata varchar(100000) DEFAULT NULL,
    access_token_type varchar(100) DEFAULT NULL,
    access_token_scopes varchar(100000) DEFAULT NULL,
    oidc_id_token_value varchar(100000) DEFAULT NULL,
    oidc_id_token_issued_at timestamp with time zone DEFAULT NULL,
    oidc_id_token_expires_at timestamp with time zone DEFAULT NULL,
    oidc_id_token_metadata varchar(100000) DEFAULT NULL,
    refresh_token_value varchar(100000) DEFAULT NULL,
    refresh_token_issued_at timestamp with time zone DEFAULT NULL,
    refresh_token_expires_at timestamp with time zone DEFAULT NULL,
    refresh_token_metadata varchar(100000) DEFAULT NULL,
    user_code_value varchar(100000) DEFAULT NULL,
    user_code_issued_at timestamp with time zone DEFAULT NULL,
    user_code_expires_at timestamp with time zone DEFAULT NULL,
    user_code_metadata varchar(100000) DEFAULT NULL,
    device_code_value varchar(100000) DEFAULT NULL,
    device_code_issued_at timestamp with time zone DEFAULT NULL,
    device_code_expires_at timestamp with time zone DEFAULT NULL,
    device_code_metadata varchar(100000) DEFAULT NULL
);

CREATE TABLE IF NOT EXISTS oauth2_authorization_consent (
    registered_client_id varchar(100) NOT NULL,
    principal_name varchar(200) NOT NULL,
    authorities varchar(100000) NOT NULL,
    PRIMARY KEY (registered_client_id, principal_name)
);

-- Client assertion identifiers (jti) seen within their lifetime: a second use is a replay. Shared by
-- every node through the database; rows past expires_at are purged.
CREATE TABLE IF NOT EXISTS carnet_client_assertion (
    client_id varchar(100) NOT NULL,
    jti varchar(255) NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    PRIMARY KEY (client_id, jti)
);

-- Access tokens (JWT ids) issued from each authorization, kept until they expire: revoking a refresh
-- token, or replaying a code, revokes every access token of its authorization (RevokedAccessTokens).
CREATE TABLE IF NOT EXISTS carnet_issued_access_token (
    jti varchar(100) NOT NULL PRIMARY KEY,
    authorization_id varchar(100) NOT NULL,
    expires_at timestamp with time zone NOT NULL
);
CREATE INDEX IF NOT EXISTS carnet_issued_access_token_authorization ON carnet_issued_access_token (authorization_id);
CREATE INDEX IF NOT EXISTS carnet_issued_access_token_expiry ON carnet_issued_access_token (expires_at);

-- Access tokens revoked before their expiry: every node keeps a copy in memory, which /fhir checks;
-- rows are purged once the token has expired.
CREATE TABLE IF NOT EXISTS carnet_revoked_access_token (
    jti varchar(100) NOT NULL PRIMARY KEY,
    expires_at timestamp with time zone NOT NULL
);
CREATE INDEX IF NOT EXISTS carnet_revoked_access_token_expiry ON carnet_revoked_access_token (expires_at);

-- Keys the embedded authorization server signs tokens with, shared by every node.
CREATE TABLE IF NOT EXISTS carnet_signing_key (
    kid varchar(100) NOT NULL PRIMARY KEY,
    jwk varchar(100000) NOT NULL,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

-- People who log in to the authorization server: patients, their representatives and professionals.
CREATE TABLE IF NOT EXISTS carnet_user (
    username varchar(100) NOT NULL PRIMARY KEY,
    password_hash varchar(200) NOT NULL,
    kind varchar(20) NOT NULL,
    display_name varchar(200) NOT NULL,
    fhir_user varchar(200) NOT NULL,
    id_nat varchar(50) DEFAULT NULL,
    profession varchar(10) DEFAULT NULL,
    specialty varchar(10) DEFAULT NULL,
    organization varchar(50) DEFAULT NULL,
    enabled boolean DEFAULT TRUE NOT NULL
);
-- TRE_R02 sector of the account's organization (added after the first release: existing tables get it).
ALTER TABLE carnet_user ADD COLUMN IF NOT EXISTS organization_sector varchar(10) DEFAULT NULL;

-- The spaces a patient account may open: the person's own and those of the people they represent.
CREATE TABLE IF NOT EXISTS carnet_user_patient (
    username varchar(100) NOT NULL,
    patient_id varchar(100) NOT NULL,
    relationship varchar(20) NOT NULL,
    PRIMARY KEY (username, patient_id)
);
-- A legal representative's access ends when the child comes of age (the 18th birthday, Europe/Paris):
-- the day after the last day the row may be used; NULL: no end.
ALTER TABLE carnet_user_patient ADD COLUMN IF NOT EXISTS valid_until date;
-- Who the account is in a space it opens for someone else, when not its own fhirUser: a delegate is the
-- RelatedPerson the delegation Consent names (tokens for that space carry it as fhirUser).
ALTER TABLE carnet_user_patient ADD COLUMN IF NOT EXISTS acting_as varchar(200);

-- Failed logins of the login page, one row per failure and per subject (a user name or a client address,
-- as SHA-256 digests), counted over carnet.smart.login.window by every node (LoginAttempts); older rows
-- are deleted as new failures arrive.
CREATE TABLE IF NOT EXISTS carnet_login_failure (
    subject varchar(64) NOT NULL,
    failed_at timestamp with time zone NOT NULL,
    attempt varchar(36) NOT NULL
);
CREATE INDEX IF NOT EXISTS carnet_login_failure_subject ON carnet_login_failure (subject, failed_at);
CREATE INDEX IF NOT EXISTS carnet_login_failure_time ON carnet_login_failure (failed_at);
