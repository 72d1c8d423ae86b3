-- A hold that is quoted with a limited offer reserves one use of it in the hold's own
-- transaction, so a flash sale's code runs out at hold time (the customer sees the full price
-- at once) instead of at payment (a refused `pay` and a second one). Payment turns the
-- reservation into a redemption without touching the offer's counter; closing the booking
-- (expiry, failure, cancellation) gives it back like a redemption. `offers.redeemed` counts
-- both, so the limit check of the increment covers reservations too.
alter table offer_redemptions drop constraint offer_redemptions_status_check;
alter table offer_redemptions
    add constraint offer_redemptions_status_check
        check (status in ('reserved', 'redeemed', 'released'));

drop index offer_redemptions_customer;
create index offer_redemptions_customer on offer_redemptions (offer_id, customer_id)
    where status in ('reserved', 'redeemed');
