-- GET /theaters: $1 city (lower case), $2 PIN code, $3 whether near, $4/$5 latitude and
-- longitude, $6 radius in km, $7/$8 the bounding box's half height and width in degrees,
-- $9 limit, $10 offset.
select t.theater_id as "theater_id!: TheaterId", t.name as "name!", t.city as "city!",
       t.address as "address!", t.pincode, t.latitude, t.longitude,
       t.partner_id as "partner_id: PartnerId", t.timezone as "timezone!",
       t.rating_count as "rating_count!", t.rating_sum as "rating_sum!", t.distance_km
  from (
    select theater_id, name, city, address, pincode, latitude, longitude, partner_id,
           timezone, rating_count, rating_sum,
           case when $3 then 6371.0 * 2 * asin(sqrt(
               power(sin(radians(latitude - $4) / 2), 2) +
               cos(radians($4)) * cos(radians(latitude)) *
               power(sin(radians(longitude - $5) / 2), 2))) end as distance_km
      from theaters
     where closed_at is null
       and ($1::text is null or lower(city) = $1)
       and ($2::text is null or pincode = $2)
       and (not $3 or (latitude between $4 - $7 and $4 + $7
                       and longitude between $5 - $8 and $5 + $8))
  ) t
 where not $3 or t.distance_km <= $6
 order by t.distance_km nulls last, t.name, t.theater_id
 limit $9 offset $10
