//! Reviews: only customers who saw the movie (or went to the theater) review it, once; ratings
//! aggregate; the author or an operator removes a review.

use mtbp_api::routes::movies::json::Movie;
use mtbp_api::routes::reviews::json::{Review, ReviewPage};
use mtbp_api::routes::shows::json::Show;
use mtbp_api::routes::theaters::json::Theater;
use mtbp_tests::TestApp;
use mtbp_tests::stripe::CARD_OK;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn customers_who_saw_it_review_once_and_ratings_aggregate() {
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 6).await.expect("show");
    let shown: Show = app
        .api
        .read(&format!("/shows/{}", show.show_id))
        .await
        .expect("show");
    let movie_id = shown.movie_id;
    let review = |rating: i64| json!({"movie_id": movie_id, "rating": rating, "text": "Worth it."});

    let asha = app.customer("asha@example.com").await.expect("customer");
    let bo = app.customer("bo@example.com").await.expect("customer");
    // No completed booking yet: refused; a held booking is not enough.
    let held = asha.api.hold_ok(show.show_id, &["A1"]).await.expect("hold");
    assert_eq!(
        asha.api
            .post("/reviews", &review(5))
            .await
            .expect("post")
            .status(),
        StatusCode::FORBIDDEN
    );
    let card = app.stripe.card(CARD_OK).await.expect("card");
    assert_eq!(
        asha.api.pay(held, &card).await.expect("pay").status(),
        StatusCode::OK
    );
    let theirs = bo.api.hold_ok(show.show_id, &["A2"]).await.expect("hold");
    let card = app.stripe.card(CARD_OK).await.expect("card");
    assert_eq!(
        bo.api.pay(theirs, &card).await.expect("pay").status(),
        StatusCode::OK
    );

    let resp = asha.api.post("/reviews", &review(5)).await.expect("post");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let posted: Review = resp.json().await.expect("json");
    assert!(posted.verified);
    assert_eq!(
        asha.api
            .post("/reviews", &review(1))
            .await
            .expect("post")
            .status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        bo.api
            .post("/reviews", &review(2))
            .await
            .expect("post")
            .status(),
        StatusCode::CREATED
    );
    // The theater can be reviewed too, by the same visit.
    assert_eq!(
        bo.api
            .post(
                "/reviews",
                &json!({"theater_id": show.theater_id, "rating": 4})
            )
            .await
            .expect("post")
            .status(),
        StatusCode::CREATED
    );

    let page: ReviewPage = app
        .api
        .read(&format!("/reviews?movie={movie_id}"))
        .await
        .expect("reviews");
    assert_eq!(page.review_count, 2);
    assert_eq!(page.average_rating, Some(3.5));
    assert_eq!(page.reviews[0].rating, 2, "newest first");
    // The movie and the theater carry their aggregates.
    let movie: Movie = app
        .api
        .read(&format!("/movies/{movie_id}"))
        .await
        .expect("movie");
    assert_eq!((movie.rating_count, movie.rating_average), (2, Some(3.5)));
    let theater: Theater = app
        .api
        .read(&format!("/theaters/{}", show.theater_id))
        .await
        .expect("theater");
    assert_eq!(theater.rating_count, 1);
    assert_eq!(theater.rating_average, Some(4.0));

    // Bad input changes nothing.
    for bad in [
        json!({"movie_id": movie_id, "rating": 6}),
        json!({"movie_id": movie_id, "theater_id": show.theater_id, "rating": 3}),
        json!({"rating": 3}),
        json!({"movie_id": movie_id, "rating": 3, "text": "x".repeat(2001)}),
    ] {
        let status = bo.api.post("/reviews", &bad).await.expect("post").status();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    assert_eq!(
        app.api.get("/reviews").await.expect("get").status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.admin
            .post("/reviews", &review(3))
            .await
            .expect("post")
            .status(),
        StatusCode::FORBIDDEN,
        "operators do not review"
    );

    // Bo cannot remove Asha's review; an operator can, and it stops counting.
    let path = format!("/reviews/{}", posted.review_id);
    assert_eq!(
        bo.api.delete(&path).await.expect("delete").status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.admin.delete(&path).await.expect("delete").status(),
        StatusCode::NO_CONTENT
    );
    let page: ReviewPage = app
        .api
        .read(&format!("/reviews?movie={movie_id}"))
        .await
        .expect("reviews");
    assert_eq!(page.review_count, 1);
    assert_eq!(page.average_rating, Some(2.0));
    let movie: Movie = app
        .api
        .read(&format!("/movies/{movie_id}"))
        .await
        .expect("movie");
    assert_eq!(movie.rating_count, 1, "a removed review stops counting");
    assert_eq!(movie.rating_average, Some(2.0));
    // Removed, Asha may review again.
    assert_eq!(
        asha.api
            .post("/reviews", &review(4))
            .await
            .expect("post")
            .status(),
        StatusCode::CREATED
    );
}
