-- GET /movies: $1 tsquery, $2 genre, $3 language (lower case), $4 country, $5 city
-- (lower case), $6 now showing, $7 coming soon, $8 limit, $9 offset.
select m.movie_id as "movie_id: MovieId", m.title, m.duration_minutes, m.certification,
       m.languages, m.genres, m.release_date, m.synopsis, m.country, m.cast_members, m.crew,
       m.poster_url, m.trailer_url, m.rating_count, m.rating_sum
  from movies m
 where ($1::text is null or m.search @@ to_tsquery('simple', $1))
   and ($2::text is null or mtbp_lower_array(m.genres) @> array[$2])
   and ($3::text is null or mtbp_lower_array(m.languages) @> array[$3])
   and ($4::text is null or m.country = upper($4))
   and (not $7 or m.release_date > current_date)
   and (($5::text is null and not $6) or exists (
         select 1 from shows s
          where s.movie_id = m.movie_id and s.status = 'scheduled'
            and s.starts_at > now()
            and ($5::text is null or s.city = $5)))
 order by case when $1::text is null then 0
               else ts_rank(m.search, to_tsquery('simple', $1)) end desc,
          m.release_date desc nulls last, m.title, m.movie_id
 limit $8 offset $9
