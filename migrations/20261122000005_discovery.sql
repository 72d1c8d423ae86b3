-- Discovery reads: theaters by city, pin code and distance; shows by city, date, movie,
-- theater, language and format; a movie's showtimes in a city on a date, grouped by theater.

-- Dates a customer asks for are the theater's local dates.
alter table theaters add column timezone text not null default 'Asia/Kolkata';
create index theaters_pincode on theaters (pincode);
create index theaters_geo on theaters (latitude, longitude) where latitude is not null;

-- Upcoming scheduled shows by time, for date searches without a movie or theater.
create index shows_scheduled_time on shows (starts_at) where status = 'scheduled';
-- Free seats per show, for availability in listings.
create index show_seats_free on show_seats (show_id) where status = 'free';
