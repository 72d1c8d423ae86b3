-- Movies in full (synopsis, country, cast and crew, poster and trailer) and their search:
-- full text over title and cast, plus genre and language filters, all served by indexes.

alter table movies
    add column synopsis     text not null default '',
    add column country      text,
    add column cast_members text[] not null default '{}',
    add column crew         jsonb not null default '[]',
    add column poster_url   text,
    add column trailer_url  text;

-- array_to_string is only STABLE in general; for text[] it is immutable, which a generated
-- column needs.
create function mtbp_join_text(text[]) returns text
    language sql immutable parallel safe
    as $$ select coalesce(array_to_string($1, ' '), '') $$;

-- 'simple': no stemming or stop words, so names and titles in any language match as written.
alter table movies add column search tsvector generated always as (
    setweight(to_tsvector('simple', title), 'A') ||
    setweight(to_tsvector('simple', mtbp_join_text(cast_members)), 'B')
) stored;

-- Genre and language filters ignore case.
create function mtbp_lower_array(text[]) returns text[]
    language sql immutable parallel safe
    as $$ select coalesce(array_agg(lower(x)), '{}') from unnest($1) as x $$;

create index movies_search on movies using gin (search);
create index movies_genres on movies using gin (mtbp_lower_array(genres));
create index movies_languages on movies using gin (mtbp_lower_array(languages));
create index movies_release on movies (release_date);
