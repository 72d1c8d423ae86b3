-- Fair-use limits on holds (api: MTBP_HOLDS_PER_EMAIL, MTBP_HOLDS_PER_ADDRESS): the hold's
-- transaction counts the live unpaid holds of the request's contact email and of its client
-- address on the show. The address is the socket peer the API saw; bookings made before this
-- migration, and by the saga's own hold activity, have none.
alter table bookings add column client_addr inet;

-- Only unpaid bookings are ever counted, so the indexes stay as small as the holds in flight.
create index bookings_unpaid_by_email on bookings (show_id, contact_email, hold_expires_at)
    where status in ('PreBooking', 'PaymentInitiated');
create index bookings_unpaid_by_addr on bookings (show_id, client_addr, hold_expires_at)
    where status in ('PreBooking', 'PaymentInitiated') and client_addr is not null;
