-- Reviews of movies and theaters by customers who saw a show there (verified), one per
-- customer and subject; operators remove abuse (kept, marked removed).

create table reviews (
    review_id    uuid primary key,
    subject_type text not null check (subject_type in ('movie', 'theater')),
    subject_id   uuid not null,
    account_id   uuid not null references accounts (account_id),
    rating       int not null check (rating between 1 and 5),
    body         text not null default '' check (length(body) <= 2000),
    verified     boolean not null,
    removed_at   timestamptz,
    removed_by   uuid,
    created_at   timestamptz not null default now()
);
create unique index reviews_one_per_customer on reviews (subject_type, subject_id, account_id)
    where removed_at is null;
create index reviews_subject on reviews (subject_type, subject_id, created_at desc)
    where removed_at is null;
