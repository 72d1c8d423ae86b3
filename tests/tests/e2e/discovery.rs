//! Discovery: theaters by city, PIN code and distance; shows by city, local date, movie,
//! theater, language and format; a movie's showtimes in a city grouped by theater.

use chrono::{Duration, NaiveTime, TimeZone, Utc};
use mtbp_api::routes::discovery::json::{MovieShowtimes, ShowPage, TheaterPage};
use mtbp_api::routes::movies::json::Movie;
use mtbp_api::routes::screens::json::Screen;
use mtbp_api::routes::shows::json::Show;
use mtbp_api::routes::theaters::json::Theater;
use mtbp_domain::{MovieId, ScreenId, TheaterId};
use mtbp_tests::TestApp;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::json;
use uuid::Uuid;

async fn theater(
    app: &TestApp,
    name: &str,
    city: &str,
    pin: &str,
    lat: f64,
    lng: f64,
) -> (TheaterId, ScreenId) {
    let t: Theater = app
        .admin
        .create_as(
            "/theaters",
            &json!({"name": name, "city": city, "pincode": pin,
                                     "latitude": lat, "longitude": lng}),
        )
        .await
        .expect("theater");
    let tid = t.theater_id;
    let s: Screen = app
        .admin
        .create_as(
            &format!("/theaters/{tid}/screens"),
            &json!({"name": "Audi 1", "layout": {
            "categories": [{"code": "R", "name": "Regular", "price_minor": 15000}],
            "rows": [{"label": "A", "category": "R", "seats": 5}]}}),
        )
        .await
        .expect("screen");
    (tid, s.screen_id)
}

async fn get<T: DeserializeOwned>(app: &TestApp, path: &str) -> T {
    let resp = app.api.get(path).await.expect("get");
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    resp.json().await.expect("json")
}

#[tokio::test]
async fn customers_find_theaters_shows_and_a_movies_showtimes_by_theater() {
    let app = TestApp::spawn().await;
    // Forum Mall and Garuda are 4.1 km apart in Bengaluru; Viviana is in Mumbai.
    let (forum, forum_screen) =
        theater(&app, "PVR Forum", "Bengaluru", "560095", 12.9346, 77.6113).await;
    let (garuda, garuda_screen) =
        theater(&app, "INOX Garuda", "Bengaluru", "560025", 12.9702, 77.6096).await;
    let (_, viviana_screen) = theater(
        &app,
        "Cinepolis Viviana",
        "Mumbai",
        "400601",
        19.2087,
        72.9716,
    )
    .await;

    let names = |page: &TheaterPage| -> Vec<String> {
        page.theaters
            .iter()
            .map(|t| t.theater.name.clone())
            .collect()
    };
    assert_eq!(
        names(&get(&app, "/theaters?city=bengaluru").await),
        ["INOX Garuda", "PVR Forum"]
    );
    assert_eq!(
        names(&get(&app, "/theaters?pincode=400601").await),
        ["Cinepolis Viviana"]
    );
    let near: TheaterPage = get(&app, "/theaters?near=12.9352,77.6245&radius_km=5").await;
    assert_eq!(names(&near), ["PVR Forum", "INOX Garuda"], "nearest first");
    let d = near.theaters[0].distance_km.expect("distance");
    assert!(
        (1.0..2.0).contains(&d),
        "Koramangala to Forum is about 1.4 km, got {d}"
    );
    assert_eq!(
        names(&get(&app, "/theaters?near=12.9352,77.6245&radius_km=2").await),
        ["PVR Forum"]
    );

    // A movie on two days in Bengaluru (local dates, Asia/Kolkata) and one in Mumbai.
    let movie: Movie = app
        .admin
        .create_as(
            "/movies",
            &json!({"title": "Jawan", "duration_minutes": 160, "languages": ["Hindi"]}),
        )
        .await
        .expect("movie");
    let movie_id = movie.movie_id;
    let other: Movie = app
        .admin
        .create_as(
            "/movies",
            &json!({"title": "Other", "duration_minutes": 100}),
        )
        .await
        .expect("movie");
    let ist = chrono::FixedOffset::east_opt(5 * 3600 + 1800).expect("offset");
    let day = (Utc::now() + Duration::days(2))
        .with_timezone(&ist)
        .date_naive();
    let at = |d: chrono::NaiveDate, h: u32, m: u32| {
        ist.from_local_datetime(&d.and_time(NaiveTime::from_hms_opt(h, m, 0).expect("time")))
            .single()
            .expect("time")
            .with_timezone(&Utc)
    };
    let show =
        |movie: MovieId, screen: ScreenId, when: chrono::DateTime<Utc>, format: &'static str| {
            let admin = app.admin.clone();
            async move {
                admin
                    .create_as::<Show>(
                        "/shows",
                        &json!({"movie_id": movie, "screen_id": screen, "starts_at": when,
                                          "language": "Hindi", "format": format}),
                    )
                    .await
                    .expect("show")
            }
        };
    // 00:30 IST on `day` is the previous day in UTC: it still belongs to `day`.
    show(movie_id, forum_screen, at(day, 0, 30), "2D").await;
    show(movie_id, forum_screen, at(day, 19, 0), "IMAX").await;
    show(movie_id, garuda_screen, at(day, 13, 0), "2D").await;
    show(
        movie_id,
        garuda_screen,
        at(day + Duration::days(1), 13, 0),
        "2D",
    )
    .await;
    show(movie_id, viviana_screen, at(day, 13, 0), "2D").await;
    show(other.movie_id, garuda_screen, at(day, 17, 0), "2D").await;

    let showtimes: MovieShowtimes = get(
        &app,
        &format!("/movies/{movie_id}/showtimes?city=Bengaluru&date={day}"),
    )
    .await;
    let grouped: Vec<(String, Vec<String>)> = showtimes
        .theaters
        .iter()
        .map(|t| {
            (
                t.theater_name.clone(),
                t.shows.iter().map(|s| s.format.clone()).collect(),
            )
        })
        .collect();
    assert_eq!(
        grouped,
        [
            ("INOX Garuda".to_owned(), vec!["2D".to_owned()]),
            (
                "PVR Forum".to_owned(),
                vec!["2D".to_owned(), "IMAX".to_owned()]
            )
        ]
    );
    assert_eq!(showtimes.theaters[1].shows[0].seats_available, 5);
    let imax: MovieShowtimes = get(
        &app,
        &format!("/movies/{movie_id}/showtimes?city=bengaluru&date={day}&format=imax"),
    )
    .await;
    assert_eq!(imax.theaters.len(), 1);

    // Shows by filters.
    let count = |page: ShowPage| page.shows.len();
    assert_eq!(
        count(get(&app, &format!("/shows?city=bengaluru&date={day}")).await),
        4
    );
    assert_eq!(
        count(
            get(
                &app,
                &format!("/shows?city=bengaluru&date={day}&movie={movie_id}")
            )
            .await
        ),
        3
    );
    assert_eq!(
        count(get(&app, &format!("/shows?theater={forum}")).await),
        2
    );
    assert_eq!(
        count(
            get(
                &app,
                &format!("/shows?theater={garuda}&date={}", day + Duration::days(1))
            )
            .await
        ),
        1
    );
    assert_eq!(
        count(get(&app, "/shows?city=mumbai&language=HINDI").await),
        1
    );
    assert_eq!(count(get(&app, "/shows?format=imax").await), 1);
    assert_eq!(count(get(&app, "/shows?city=pune").await), 0);

    // Bad input is a 4xx.
    for bad in [
        "/theaters?near=91,0".to_owned(),
        "/theaters?near=abc".to_owned(),
        "/theaters?radius_km=5".to_owned(),
        "/theaters?near=12,77&radius_km=500".to_owned(),
        "/shows?date=2026-13-01".to_owned(),
        "/shows?movie=not-a-uuid".to_owned(),
        "/shows?limit=0".to_owned(),
        format!("/movies/{movie_id}/showtimes?city=Bengaluru"),
        format!("/movies/{movie_id}/showtimes?city=&date={day}"),
    ] {
        let status = app.api.get(&bad).await.expect("get").status();
        assert!(status.is_client_error(), "{bad}: {status}");
    }
    let status = app
        .api
        .get(&format!(
            "/movies/{}/showtimes?city=Bengaluru&date={day}",
            Uuid::new_v4()
        ))
        .await
        .expect("get")
        .status();
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_small_generated_catalog_loads_and_is_found() {
    let app = TestApp::spawn().await;
    let spec = mtbp_tests::catalog::CatalogSpec {
        cities: 2,
        theaters: 3,
        movies: 8,
        shows: 10,
        days: 1,
        seed: 3,
        concurrency: 2,
    };
    let report = mtbp_tests::catalog::seed(&app.admin, &spec)
        .await
        .expect("seed");
    assert_eq!((report.theaters, report.movies, report.shows), (3, 8, 10));
    assert!(report.screens >= 3 && report.seats > 0, "{report:?}");
    let shows: ShowPage = get(&app, "/shows?limit=200").await;
    assert_eq!(shows.shows.len(), 10);
    let theaters: TheaterPage = get(&app, "/theaters?limit=200").await;
    assert_eq!(theaters.theaters.len(), 3);
}
