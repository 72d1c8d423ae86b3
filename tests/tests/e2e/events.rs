//! Events: every state change writes its event in its own transaction (the outbox), the relay
//! publishes them to the test's own topics on the stack's broker, and a consumer sees each
//! exactly once after de-duplication by event id, in order per key: also when the relay is
//! SIGKILLed between a publish and its mark, and when the broker restarts. The analytics
//! archiver writes them to S3; the schemas of docs/events/ validate every event.

use mtbp_domain::BookingStatus;
use mtbp_infra::kafka::KafkaSettings;
use mtbp_store::events::{self, OutboxEvent};
use mtbp_tests::events::{Received, Schemas, assert_outbox_matches_schemas, dedup, read_topics};
use mtbp_tests::stripe::{CARD_DECLINED, CARD_OK};
use mtbp_tests::{TestApp, TestOptions};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use uuid::Uuid;

const WORKER: &str = env!("CARGO_BIN_EXE_mtbp-test-worker");

async fn events_app(relay: bool, brokers: Option<String>) -> TestApp {
    TestApp::spawn_with(TestOptions {
        events: true,
        events_relay: relay,
        kafka_brokers: brokers,
        hold_seconds: 8,
        ..TestOptions::default()
    })
    .await
}

fn kafka(app: &TestApp) -> KafkaSettings {
    app.kafka.clone().expect("an events app has topics")
}

/// Waits (at most `secs`) until `cond` holds for the database.
async fn wait_until(app: &TestApp, secs: u64, what: &str, sql: &str) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let ok: bool = sqlx::query_scalar(sql)
            .fetch_one(&app.db)
            .await
            .expect("condition");
        if ok {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn status_of(app: &TestApp, booking: Uuid) -> String {
    sqlx::query_scalar("select status from bookings where booking_id = $1")
        .bind(booking)
        .fetch_one(&app.db)
        .await
        .expect("booking")
}

async fn wait_for_status(app: &TestApp, booking: Uuid, want: BookingStatus, secs: u64) {
    let sql = format!(
        "select status = '{}' from bookings where booking_id = '{booking}'",
        want.as_str()
    );
    wait_until(app, secs, &format!("{booking} is {want}"), &sql).await;
}

/// A paid booking of `seats`, answered `BookingCompleted`.
async fn paid(app: &TestApp, show: Uuid, seats: &[&str]) -> Uuid {
    let booking = app.api.hold_ok(show, seats).await.expect("hold");
    let card = app.stripe.card(CARD_OK).await.expect("card");
    let resp = app.api.pay(booking, &card).await.expect("pay");
    assert_eq!(resp.status(), StatusCode::OK);
    booking
}

/// Until every event of the outbox is read from the topics (or 60 s a round): what was read,
/// and the outbox. The sagas may still be writing (a booking's invoice and notifications follow
/// its payment), so the outbox is read again after the topics: a round that saw it grow is read
/// again, up to five rounds.
async fn read_everything(app: &TestApp) -> (Vec<Received>, Vec<OutboxEvent>) {
    for _ in 0..5 {
        wait_until(
            app,
            60,
            "the outbox is published",
            "select not exists (select 1 from events where published_at is null)",
        )
        .await;
        let outbox = events::all(&app.db).await.expect("outbox");
        let ids: BTreeSet<Uuid> = outbox.iter().map(|e| e.event_id).collect();
        let kafka = kafka(app);
        let received = tokio::task::spawn_blocking(move || {
            read_topics(&kafka, Duration::from_secs(60), |got| {
                let seen: BTreeSet<Uuid> = got.iter().filter_map(Received::event_id).collect();
                ids.is_subset(&seen)
            })
        })
        .await
        .expect("reader")
        .expect("read");
        let after = events::all(&app.db).await.expect("outbox");
        if after.len() == outbox.len() {
            return (received, outbox);
        }
    }
    panic!("the outbox still grew after five rounds of reading the topics");
}

/// What every consumer may rely on: after de-duplication the topics hold exactly the outbox,
/// each event as written, keyed as documented, in order per key, each aggregate's sequence
/// without gaps, every event valid against its schema.
fn assert_exactly_once_in_order(received: &[Received], outbox: &[OutboxEvent]) {
    let unique = dedup(received);
    let by_id: HashMap<Uuid, &OutboxEvent> = outbox.iter().map(|e| (e.event_id, e)).collect();
    let read: BTreeSet<Uuid> = unique.iter().filter_map(Received::event_id).collect();
    let written: BTreeSet<Uuid> = by_id.keys().copied().collect();
    assert_eq!(
        read.len(),
        unique.len(),
        "every message carries an event id"
    );
    assert_eq!(
        read, written,
        "the topics hold exactly the outbox, once each after de-dup"
    );
    let schemas = Schemas::load().expect("schemas");
    // Per topic and partition, in offset order, each key's sequence only grows.
    let mut last: HashMap<(String, String), i64> = HashMap::new();
    for r in &unique {
        let id = r.event_id().expect("id");
        let e = by_id[&id];
        assert_eq!(
            r.envelope,
            e.envelope(),
            "the message is the event as written"
        );
        assert_eq!(
            r.key.as_deref(),
            Some(e.kafka_key.to_string().as_str()),
            "{id}: its key"
        );
        assert!(
            r.topic.ends_with(&format!("{}.v1", e.topic)),
            "{id} on {}",
            r.topic
        );
        let problems = schemas.problems(&r.envelope);
        assert!(problems.is_empty(), "{id}: {problems:?}");
        let seq = e.sequence;
        let slot = last
            .entry((r.topic.clone(), e.aggregate_id.to_string()))
            .or_insert(0);
        assert!(
            seq > *slot,
            "{}: sequence {seq} after {}",
            e.event_type,
            *slot
        );
        *slot = seq;
    }
    // Across topics, an aggregate's sequence numbers are 1..=n.
    let mut sequences: BTreeMap<Uuid, Vec<i64>> = BTreeMap::new();
    for e in outbox {
        sequences
            .entry(e.aggregate_id)
            .or_default()
            .push(e.sequence);
    }
    for (aggregate, mut seqs) in sequences {
        seqs.sort_unstable();
        let want: Vec<i64> = (1..=i64::try_from(seqs.len()).expect("len")).collect();
        assert_eq!(seqs, want, "aggregate {aggregate}: sequence without gaps");
    }
}

/// The `to` statuses of a booking's `booking.status_changed` events, in sequence order.
fn transitions(outbox: &[OutboxEvent], booking: Uuid) -> Vec<String> {
    let mut mine: Vec<&OutboxEvent> = outbox
        .iter()
        .filter(|e| e.aggregate_id == booking && e.event_type == "booking.status_changed")
        .collect();
    mine.sort_by_key(|e| e.sequence);
    mine.iter()
        .map(|e| e.body["to"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn count(outbox: &[OutboxEvent], booking: Uuid, event_type: &str) -> usize {
    outbox
        .iter()
        .filter(|e| e.aggregate_id == booking && e.event_type == event_type)
        .count()
}

#[tokio::test]
async fn every_state_change_of_a_scripted_set_of_bookings_reaches_kafka_once_in_order() {
    let app = events_app(true, None).await;
    let show = app.create_show(1, 8).await.expect("show");
    let s = show.show_id;
    // The show is moved (before anyone books: a booked show cannot move): a show event.
    let moved = app
        .admin
        .put(
            &format!("/shows/{s}"),
            &json!({"starts_at": (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339()}),
        )
        .await
        .expect("move");
    assert_eq!(moved.status(), StatusCode::OK, "{:?}", moved.text().await);
    let completed = paid(&app, s, &["A1", "A2"]).await;
    let declined = app.api.hold_ok(s, &["A3"]).await.expect("hold");
    let card = app.stripe.card(CARD_DECLINED).await.expect("card");
    let resp = app.api.pay(declined, &card).await.expect("pay");
    assert_eq!(resp.status(), StatusCode::PAYMENT_REQUIRED);
    let cancelled = app.api.hold_ok(s, &["A4"]).await.expect("hold");
    let resp = app
        .api
        .post(&format!("/bookings/{cancelled}/cancel"), &json!({}))
        .await
        .expect("cancel");
    assert_eq!(resp.status(), StatusCode::OK);
    let expired = app.api.hold_ok(s, &["A5"]).await.expect("hold");
    wait_for_status(&app, completed, BookingStatus::Invoiced, 60).await;
    wait_for_status(&app, expired, BookingStatus::Expired, 60).await;
    wait_until(
        &app,
        60,
        "the confirmation is settled",
        &format!(
            "select exists (select 1 from notifications where booking_id = '{completed}'
               and kind = 'confirmation' and status not in ('pending', 'sending'))"
        ),
    )
    .await;

    let (received, outbox) = read_everything(&app).await;
    assert_exactly_once_in_order(&received, &outbox);

    // Each booking's story, as the database tells it.
    assert_eq!(
        transitions(&outbox, completed),
        [
            "PaymentInitiated",
            "PaymentCompleted",
            "BookingCompleted",
            "Invoiced"
        ]
    );
    for (booking, end) in [
        (declined, "PaymentFailed"),
        (cancelled, "Cancelled"),
        (expired, "Expired"),
    ] {
        let path = transitions(&outbox, booking);
        assert_eq!(
            path.last().map(String::as_str),
            Some(end),
            "{booking}: {path:?}"
        );
        assert_eq!(status_of(&app, booking).await, end);
    }
    for booking in [completed, declined, cancelled, expired] {
        assert_eq!(count(&outbox, booking, "booking.held"), 1, "{booking}");
    }
    assert_eq!(count(&outbox, completed, "payment.created"), 1);
    assert_eq!(count(&outbox, completed, "analytics.ticket_sold"), 1);
    let invoices: i64 = sqlx::query_scalar("select count(*) from invoices where booking_id = $1")
        .bind(completed)
        .fetch_one(&app.db)
        .await
        .expect("invoices");
    assert!(invoices >= 1);
    assert_eq!(
        count(&outbox, completed, "invoice.issued"),
        invoices as usize
    );
    assert_eq!(
        count(&outbox, completed, "invoice.stored"),
        invoices as usize
    );
    let sold = outbox
        .iter()
        .find(|e| e.event_type == "analytics.ticket_sold")
        .expect("sale");
    assert_eq!(sold.body["seats"], 2);
    assert_eq!(sold.kafka_key, s, "analytics events are keyed by the show");
    let payments: Vec<&str> = outbox
        .iter()
        .filter(|e| e.aggregate_id == completed && e.event_type == "payment.status_changed")
        .filter_map(|e| e.body["status"].as_str())
        .collect();
    assert_eq!(payments, ["succeeded"]);
    let show_events: Vec<&str> = outbox
        .iter()
        .filter(|e| e.aggregate_id == s)
        .map(|e| e.event_type.as_str())
        .collect();
    assert_eq!(show_events, ["show.scheduled", "show.changed"]);
}

#[tokio::test]
async fn no_event_carries_personal_data() {
    let app = events_app(true, None).await;
    let show = app.create_show(1, 4).await.expect("show");
    let name = format!("Meera Iyer {}", Uuid::new_v4().simple());
    let email = format!("meera-{}@example.com", Uuid::new_v4().simple());
    let phone = "+919876543210";
    let body = json!({"show_id": show.show_id, "seats": ["A1"],
                      "contact": {"name": name, "email": email, "phone": phone}});
    let held: Value = app.api.create_as("/bookings", &body).await.expect("hold");
    let booking = mtbp_tests::api_client::id(&held, "booking_id").expect("id");
    let card = app.stripe.card(CARD_OK).await.expect("card");
    assert_eq!(
        app.api.pay(booking, &card).await.expect("pay").status(),
        StatusCode::OK
    );
    wait_for_status(&app, booking, BookingStatus::Invoiced, 60).await;
    let ticket: String =
        sqlx::query_scalar("select ticket_code from bookings where booking_id = $1")
            .bind(booking)
            .fetch_one(&app.db)
            .await
            .expect("ticket");

    let outbox = events::all(&app.db).await.expect("outbox");
    assert!(outbox.len() >= 8, "{} events", outbox.len());
    let secrets = [
        name.as_str(),
        email.as_str(),
        phone,
        "Meera",
        ticket.as_str(),
    ];
    for e in &outbox {
        let text = e.envelope().to_string();
        for secret in secrets {
            assert!(
                !text.contains(secret),
                "{} carries {secret:?}: {text}",
                e.event_type
            );
        }
    }
    // Over every type, not only those this booking wrote: no schema has room for a name, a
    // contact, a ticket code or free text, and bodies may hold nothing else.
    let schemas = Schemas::load().expect("schemas");
    assert!(schemas.types().len() >= 13, "{:?}", schemas.types());
    for event_type in schemas.types() {
        for property in schemas.properties(event_type) {
            for word in [
                "name", "email", "phone", "contact", "address", "ticket", "reason", "note",
            ] {
                assert!(
                    !property.contains(word),
                    "{event_type}.{property} could carry personal data"
                );
            }
        }
    }
    let by_type = assert_outbox_matches_schemas(&app.db).await;
    assert!(by_type.contains_key("booking.held"), "{by_type:?}");
}

/// The relay processes' batch size.
const BATCH: usize = 25;

/// The relay binary (`mtbp-worker` with the relay role only) on the app's database and topics.
fn relay_process(app: &TestApp, pause_after_publish_ms: u64) -> Child {
    let kafka = kafka(app);
    Command::new(WORKER)
        .env("DATABASE_URL", &app.settings.database_url)
        .env("MTBP_WORKER_ROLES", "relay")
        .env("MTBP_WORKER_ADDR", "off")
        .env("MTBP_KAFKA_BROKERS", &kafka.brokers)
        .env("MTBP_KAFKA_TOPIC_PREFIX", &kafka.topic_prefix)
        .env("MTBP_RELAY_LEASE_SECONDS", "3")
        .env("MTBP_RELAY_BATCH", BATCH.to_string())
        .env("MTBP_RELAY_IDLE_MS", "50")
        .env(
            "MTBP_FAULT_PAUSE_AFTER_PUBLISH_MS",
            pause_after_publish_ms.to_string(),
        )
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("relay process")
}

#[tokio::test]
async fn a_relay_killed_between_publish_and_mark_loses_nothing_and_duplicates_only_its_batch() {
    let app = events_app(false, None).await;
    let show = app.create_show(2, 10).await.expect("show");
    let mut booked = Vec::new();
    for seats in [["A1", "A2"], ["A3", "A4"], ["B1", "B2"]] {
        booked.push(paid(&app, show.show_id, &seats).await);
    }
    for seat in ["A5", "A6", "A7", "B3", "B4", "B5", "B6", "B7"] {
        app.api.hold_ok(show.show_id, &[seat]).await.expect("hold");
    }
    for booking in booked {
        wait_for_status(&app, booking, BookingStatus::Invoiced, 60).await;
    }
    let written = events::all(&app.db).await.expect("outbox").len();
    assert!(
        written > BATCH,
        "more than one batch of {BATCH} waits: {written}"
    );

    // The relay publishes its first batch, then pauses before marking it: killed there.
    let mut first = relay_process(&app, 60_000);
    let kafka = kafka(&app);
    let k = kafka.clone();
    let seen = tokio::task::spawn_blocking(move || {
        read_topics(&k, Duration::from_secs(30), |got| got.len() >= BATCH)
    })
    .await
    .expect("reader")
    .expect("read");
    assert!(
        seen.len() >= BATCH,
        "the first batch reached the broker: {}",
        seen.len()
    );
    let published: i64 =
        sqlx::query_scalar("select count(*) from events where published_at is not null")
            .fetch_one(&app.db)
            .await
            .expect("count");
    assert_eq!(
        published, 0,
        "killed before its mark: nothing is marked published"
    );
    first.kill().expect("SIGKILL");
    let _ = first.wait();

    // Another relay takes the lapsed leases and publishes everything, the first batch again.
    let mut second = relay_process(&app, 0);
    let (received, outbox) = read_everything(&app).await;
    second.kill().expect("stop");
    let _ = second.wait();
    assert_exactly_once_in_order(&received, &outbox);
    let duplicates = received.len() - dedup(&received).len();
    assert_eq!(
        duplicates, BATCH,
        "the killed batch ({BATCH}) was published twice, nothing more"
    );
}

/// A tansu broker of the test's own on a free port, its SQLite file in `dir`.
fn broker(dir: &std::path::Path, port: u16) -> Child {
    let bin = std::env::var("MTBP_TANSU_BIN").expect("MTBP_TANSU_BIN (deploy/local/lib.sh)");
    let url = format!("tcp://127.0.0.1:{port}");
    Command::new(bin)
        .current_dir(dir)
        .args([
            "broker",
            "--listener-url",
            &url,
            "--advertised-listener-url",
            &url,
        ])
        .args(["--storage-engine", "sqlite://tansu.db"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tansu")
}

async fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "the broker did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_relay_rides_out_a_broker_restart_and_publishes_what_waited() {
    let dir = std::env::temp_dir().join(format!("mtbp-broker-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        l.local_addr().expect("addr").port()
    };
    let mut server = broker(&dir, port);
    wait_for_port(port).await;
    let app = events_app(true, Some(format!("127.0.0.1:{port}"))).await;
    let show = app.create_show(1, 8).await.expect("show");
    paid(&app, show.show_id, &["A1"]).await;
    wait_until(
        &app,
        30,
        "the first events are published",
        "select exists (select 1 from events where published_at is not null)",
    )
    .await;

    // The broker goes away; bookings go on, their events wait in the outbox.
    server.kill().expect("kill the broker");
    let _ = server.wait();
    paid(&app, show.show_id, &["A2"]).await;
    app.api.hold_ok(show.show_id, &["A3"]).await.expect("hold");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let waiting = events::backlog(&app.db).await.expect("backlog");
    assert!(waiting > 0, "events wait while the broker is down");

    // Back on the same storage: the relay catches up by itself.
    let mut server = broker(&dir, port);
    wait_for_port(port).await;
    let (received, outbox) = read_everything(&app).await;
    assert_exactly_once_in_order(&received, &outbox);
    server.kill().expect("stop the broker");
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_archive_holds_every_analytics_event_once_after_dedup_by_hour() {
    let app = events_app(true, None).await;
    let id = Uuid::new_v4().simple().to_string();
    let prefix = format!("test-archive/{id}/");
    let config = mtbp_workers::archiver::ArchiverConfig {
        kafka: kafka(&app),
        group: format!("archiver-{id}"),
        prefix: prefix.clone(),
        batch: 3,
        wait: Duration::from_millis(300),
    };
    let objects = mtbp_infra::objects::ObjectStore::new(&app.settings.aws);
    let counts = std::sync::Arc::new(mtbp_workers::archiver::ArchiverCounts::default());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let archiver = tokio::spawn(mtbp_workers::archiver::run(
        objects.clone(),
        config,
        counts.clone(),
        stopped,
    ));
    let show = app.create_show(1, 8).await.expect("show");
    for seats in [["A1", "A2"], ["A3", "A4"], ["A5", "A6"]] {
        paid(&app, show.show_id, &seats).await;
    }
    let card = app.stripe.card(CARD_OK).await.expect("card");
    let single = app.api.hold_ok(show.show_id, &["A7"]).await.expect("hold");
    assert_eq!(
        app.api.pay(single, &card).await.expect("pay").status(),
        StatusCode::OK
    );
    let (_received, outbox) = read_everything(&app).await;
    let analytics: BTreeMap<Uuid, &OutboxEvent> = outbox
        .iter()
        .filter(|e| e.topic == "analytics")
        .map(|e| (e.event_id, e))
        .collect();
    assert_eq!(analytics.len(), 4, "one sale a booking");

    let deadline = Instant::now() + Duration::from_secs(60);
    let lines = loop {
        let mut lines: Vec<(String, Value)> = Vec::new();
        for key in objects.list(&prefix, 10_000).await.expect("list") {
            let object = objects.get(&key).await.expect("object");
            for line in String::from_utf8_lossy(&object.bytes).lines() {
                lines.push((
                    key.clone(),
                    serde_json::from_str(line).expect("a JSON line"),
                ));
            }
        }
        let ids: BTreeSet<Uuid> = lines
            .iter()
            .filter_map(|(_, v)| v["event_id"].as_str()?.parse().ok())
            .collect();
        if ids.len() >= analytics.len() || Instant::now() > deadline {
            break lines;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let _ = stop.send(true);
    let _ = archiver.await;
    let mut unique: BTreeMap<Uuid, (String, Value)> = BTreeMap::new();
    for (key, v) in lines {
        let id: Uuid = v["event_id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("id");
        unique.entry(id).or_insert((key, v));
    }
    assert_eq!(
        unique.keys().collect::<Vec<_>>(),
        analytics.keys().collect::<Vec<_>>(),
        "the archive holds every analytics event, once after de-dup"
    );
    for (id, (key, v)) in &unique {
        let e = analytics[id];
        assert_eq!(v, &e.envelope(), "archived as published");
        let hour = e.occurred_at.format("dt=%Y-%m-%d/hour=%H").to_string();
        assert!(
            key.starts_with(&format!("{prefix}{hour}/")),
            "{key} under {hour}"
        );
        assert!(key.ends_with(".ndjson"), "{key}");
    }
    assert!(
        counts.objects.load(std::sync::atomic::Ordering::Relaxed) >= 2,
        "batches of 3"
    );
}

#[tokio::test]
async fn operators_read_sales_per_show_and_nobody_else_does() {
    let app = TestApp::spawn().await;
    let show = app.create_show(1, 10).await.expect("show");
    let a = paid(&app, show.show_id, &["A1", "A2"]).await;
    let b = paid(&app, show.show_id, &["A3"]).await;
    let amounts: i64 = sqlx::query_scalar(
        "select sum(amount_minor)::bigint from bookings where booking_id = any($1)",
    )
    .bind(vec![a, b])
    .fetch_one(&app.db)
    .await
    .expect("amounts");
    let resp = app.admin.get("/admin/analytics").await.expect("analytics");
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.expect("json");
    let row = body["shows"]
        .as_array()
        .and_then(|shows| {
            shows
                .iter()
                .find(|r| r["show_id"] == show.show_id.to_string())
        })
        .cloned()
        .unwrap_or_else(|| panic!("the show is listed: {body}"));
    assert_eq!(row["bookings"], 2, "{row}");
    assert_eq!(row["tickets"], 3, "{row}");
    assert_eq!(row["revenue_minor"], amounts, "{row}");
    assert_eq!(row["capacity"], 10, "{row}");
    assert_eq!(row["booked_now"], 3, "{row}");
    assert!(
        (row["occupancy"].as_f64().expect("occupancy") - 0.3).abs() < 1e-9,
        "{row}"
    );
    assert_eq!(body["shows_total"], 1);
    assert_eq!(body["totals"][0]["tickets"], 3, "{body}");

    // A range without sales, a bad range, and callers who are not operators.
    let empty = app
        .admin
        .get("/admin/analytics?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z")
        .await
        .expect("empty");
    let empty: Value = empty.json().await.expect("json");
    assert_eq!(empty["shows"], json!([]));
    let bad = app
        .admin
        .get("/admin/analytics?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z")
        .await
        .expect("bad");
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let junk = app
        .admin
        .get("/admin/analytics?from=yesterday")
        .await
        .expect("junk");
    assert_eq!(junk.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        app.api
            .get("/admin/analytics")
            .await
            .expect("anonymous")
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let customer = app
        .customer(&format!("c-{}@example.com", Uuid::new_v4().simple()))
        .await
        .expect("customer");
    assert_eq!(
        customer
            .api
            .get("/admin/analytics")
            .await
            .expect("customer")
            .status(),
        StatusCode::FORBIDDEN
    );
}
