//! Movies: details, changes, removal, and search by text, genre, language, country, city and
//! status.

use chrono::{Duration, Utc};
use mtbp_api::routes::movies::json::{Movie, MoviePage};
use mtbp_api::routes::shows::json::Show;
use mtbp_tests::TestApp;
use mtbp_tests::api_client::{field_names, refusal};
use reqwest::StatusCode;
use serde_json::json;

async fn titles(app: &TestApp, query: &str) -> Vec<String> {
    let resp = app
        .api
        .get(&format!("/movies?{query}"))
        .await
        .expect("search");
    assert_eq!(resp.status(), StatusCode::OK, "{query}");
    let page: MoviePage = resp.json().await.expect("json");
    page.movies.into_iter().map(|m| m.title).collect()
}

#[tokio::test]
async fn movies_are_found_by_title_cast_genre_language_country_city_and_status() {
    let app = TestApp::spawn().await;
    let today = Utc::now().date_naive();
    let movie = |title: &str,
                 cast: &[&str],
                 genre: &str,
                 language: &str,
                 country: &str,
                 days: i64| {
        json!({"title": title, "duration_minutes": 120, "genres": [genre], "languages": [language],
               "country": country, "cast": cast, "release_date": today + Duration::days(days),
               "synopsis": "A story.", "crew": [{"name": "A. Director", "job": "Director"}],
               "poster_url": "https://img.example/p.jpg"})
    };
    let jawan: Movie = app
        .admin
        .create_as(
            "/movies",
            &movie(
                "Jawan",
                &["Shah Rukh Khan", "Nayanthara"],
                "Action",
                "Hindi",
                "IN",
                -300,
            ),
        )
        .await
        .expect("movie");
    assert_eq!(jawan.crew[0].job, "Director");
    assert_eq!(jawan.cast[1], "Nayanthara");
    app.admin
        .create(
            "/movies",
            &movie(
                "Dunki",
                &["Shah Rukh Khan", "Taapsee Pannu"],
                "Comedy",
                "Hindi",
                "IN",
                -200,
            ),
        )
        .await
        .expect("movie");
    app.admin
        .create(
            "/movies",
            &movie(
                "Dune: Part Three",
                &["Zendaya"],
                "Sci-Fi",
                "English",
                "US",
                90,
            ),
        )
        .await
        .expect("movie");

    assert_eq!(titles(&app, "q=jawan").await, ["Jawan"]);
    let mut srk = titles(&app, "q=shah%20ru").await;
    srk.sort();
    assert_eq!(srk, ["Dunki", "Jawan"], "cast names, last word as a prefix");
    assert_eq!(titles(&app, "q=nayan").await, ["Jawan"]);
    assert_eq!(titles(&app, "q=dune%3A%20part").await, ["Dune: Part Three"]);
    assert!(
        titles(&app, "q=a%7Cb%20%26%21(").await.is_empty(),
        "tsquery syntax is inert"
    );
    assert_eq!(titles(&app, "genre=comedy").await, ["Dunki"]);
    assert_eq!(titles(&app, "language=ENGLISH").await, ["Dune: Part Three"]);
    assert_eq!(titles(&app, "country=us").await, ["Dune: Part Three"]);
    assert_eq!(
        titles(&app, "status=coming_soon").await,
        ["Dune: Part Three"]
    );
    assert!(
        titles(&app, "status=now_showing").await.is_empty(),
        "no shows yet"
    );

    // A show in Bengaluru puts Jawan on screen there, and only there.
    let show = app.create_show(1, 4).await.expect("show");
    // Read as a show: its movie_id is a UUID.
    let _shown: Show = app
        .admin
        .read(&format!("/shows/{}", show.show_id))
        .await
        .expect("show");
    let jawan_id = jawan.movie_id;
    app.admin
        .create(
            "/shows",
            &json!({"movie_id": jawan_id, "screen_id": show.screen_id,
            "starts_at": Utc::now() + Duration::days(3), "language": "Hindi"}),
        )
        .await
        .expect("show");
    assert_eq!(
        titles(&app, "status=now_showing&city=bengaluru&language=hindi").await,
        ["Jawan"]
    );
    assert!(
        titles(&app, "status=now_showing&city=Pune&language=hindi")
            .await
            .is_empty()
    );

    // Paging.
    let page: MoviePage = app.api.read("/movies?limit=2").await.expect("movies");
    assert_eq!(page.movies.len(), 2);
    let next = page.next_offset.expect("a full page has a next one");
    let rest: MoviePage = app
        .api
        .read(&format!("/movies?limit=2&offset={next}"))
        .await
        .expect("movies");
    assert_eq!(rest.movies.len(), 2, "four movies in all");
    assert!(rest.next_offset.is_some() || rest.movies.len() == 2);

    // Bad filters are a 4xx.
    for bad in [
        "limit=0",
        "limit=101",
        "offset=-1",
        "status=soon",
        "unknown=1",
        "limit=x",
    ] {
        let status = app
            .api
            .get(&format!("/movies?{bad}"))
            .await
            .expect("search")
            .status();
        assert!(status.is_client_error(), "{bad}: {status}");
    }
}

#[tokio::test]
async fn operators_change_and_remove_movies_and_bad_input_changes_nothing() {
    let app = TestApp::spawn().await;
    let movie: Movie = app
        .admin
        .create_as(
            "/movies",
            &json!({"title": "Kantara", "duration_minutes": 150, "cast": ["Rishab Shetty"]}),
        )
        .await
        .expect("movie");
    let path = format!("/movies/{}", movie.movie_id);

    let resp = app
        .admin
        .put(
            &path,
            &json!({"title": "Kantara", "duration_minutes": 148, "languages": ["Kannada"],
                            "country": "in", "cast": ["Rishab Shetty", "Sapthami Gowda"]}),
        )
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::OK);
    let changed: Movie = resp.json().await.expect("json");
    assert_eq!(changed.duration_minutes, 148);
    assert_eq!(changed.country.as_deref(), Some("IN"));
    assert_eq!(
        titles(&app, "q=sapthami").await,
        ["Kantara"],
        "the search follows changes"
    );

    let resp = app
        .admin
        .put(
            &path,
            &json!({"title": "", "duration_minutes": 0, "country": "India",
                            "poster_url": "ftp://x", "crew": [{"name": "", "job": "Director"}]}),
        )
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err = refusal(resp).await.expect("error");
    let fields = field_names(&err);
    assert_eq!(
        fields,
        [
            "title",
            "duration_minutes",
            "country",
            "crew[0].name",
            "poster_url"
        ]
    );
    let after: Movie = app.api.read(&path).await.expect("movie");
    assert_eq!(after, changed);

    assert_eq!(
        app.admin.delete(&path).await.expect("delete").status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.api.get(&path).await.expect("get").status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.admin.delete(&path).await.expect("delete").status(),
        StatusCode::NOT_FOUND
    );

    // A movie with shows stays.
    let show = app.create_show(1, 2).await.expect("show");
    let shown: Show = app
        .api
        .read(&format!("/shows/{}", show.show_id))
        .await
        .expect("show");
    let resp = app
        .admin
        .delete(&format!("/movies/{}", shown.movie_id))
        .await
        .expect("delete");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
}
