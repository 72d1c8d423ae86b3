-- Ending every session of an account at once (an unverified account taken over by the owner
-- of its email through the identity provider): refresh tokens are revoked row by row, and
-- access tokens issued before this instant are refused.
alter table accounts add column sessions_revoked_at timestamptz;
