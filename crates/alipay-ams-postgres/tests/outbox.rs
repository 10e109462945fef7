//! The outbox's store on a real PostgreSQL: recorded and committed before
//! the client may send, claims that exclude each other across processes
//! (`FOR UPDATE SKIP LOCKED` and a lease) and lapse when their holder is
//! gone, late news refused unless final, and intents recorded inside the
//! app's own transaction. Needs `DATABASE_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests may panic

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use alipay_ams_api::payments::CaptureRequest;
use alipay_ams_client::outbox::{Intent, IntentState, Lease, Outbox, Recorded, Update};
use alipay_ams_core::Amount;
use alipay_ams_postgres::PgStore;
use common::*;

fn intent(key: &str) -> Intent {
    Intent::of(&CaptureRequest::new(
        key,
        "P-1",
        Amount::from_minor_units("USD", 1000).unwrap(),
    ))
    .unwrap()
}

async fn store() -> PgStore {
    builder(&unique("obx")).connect().await.unwrap()
}

#[tokio::test]
async fn an_intent_is_committed_when_recorded_and_its_claim_excludes_others_until_it_lapses() {
    let store = store().await;
    let outbox = store.outbox();
    let db = client().await;
    let a = Lease::new("replica-a", Duration::from_millis(400));
    let b = Lease::new("replica-b", Duration::from_secs(60));
    let one = intent("cap-1");

    let Recorded::New(record) = outbox.record(&one, Some(&a)).await.unwrap() else {
        panic!("new")
    };
    assert_eq!((record.state, record.sends), (IntentState::Pending, 1));
    // Visible to another connection at once: committed before anything is sent.
    let row = db
        .query_one(
            &format!(
                "SELECT body, state, sends, lease_owner FROM {} WHERE intent_key = 'cap-1'",
                outbox.table()
            ),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, Vec<u8>>(0), one.body().to_vec());
    assert_eq!(row.get::<_, String>(1), "pending");
    assert_eq!(row.get::<_, i32>(2), 1);
    assert_eq!(row.get::<_, String>(3), a.token());

    assert!(
        matches!(outbox.record(&one, Some(&b)).await.unwrap(), Recorded::Existing(r) if r.sends == 1)
    );
    assert!(
        outbox.claim(one.id(), &b).await.unwrap().is_none(),
        "a holds it"
    );
    assert!(outbox.claim_due(&b, 10).await.unwrap().is_empty());
    assert!(!outbox.sending(one.id(), &b).await.unwrap());
    assert!(outbox.sending(one.id(), &a).await.unwrap());

    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !outbox.sending(one.id(), &a).await.unwrap(),
        "a's claim lapsed"
    );
    let claimed = outbox.claim_due(&b, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].sends, 2);
    assert_eq!(claimed[0].body, one.body().clone());
    // a's late news is refused unless final; b's is written, and releases b's claim.
    assert!(
        !outbox
            .update(one.id(), &a, &Update::new(IntentState::Accepted, "late"))
            .await
            .unwrap()
    );
    let mut seen = Update::new(IntentState::Accepted, "in progress");
    seen.inquiries = 1;
    seen.retry_after = Duration::from_secs(60);
    assert!(outbox.update(one.id(), &b, &seen).await.unwrap());
    assert!(
        outbox.claim_due(&b, 10).await.unwrap().is_empty(),
        "not due for a minute"
    );
    assert!(
        outbox.claim(one.id(), &a).await.unwrap().is_some(),
        "released, claimable by id"
    );
    let mut done = Update::new(IntentState::Succeeded, "captured");
    done.result_code = Some("SUCCESS".into());
    done.answer = Some(bytes::Bytes::from_static(b"{\"result\":{}}"));
    assert!(
        outbox.update(one.id(), &b, &done).await.unwrap(),
        "final: whoever learned it"
    );
    assert!(
        !outbox
            .update(one.id(), &a, &Update::new(IntentState::Failed, "x"))
            .await
            .unwrap()
    );
    let record = outbox.get(one.id()).await.unwrap().unwrap();
    assert_eq!(record.state, IntentState::Succeeded);
    assert_eq!((record.sends, record.inquiries), (2, 1));
    assert_eq!(record.result_code.as_deref(), Some("SUCCESS"));
    assert_eq!(record.answer.as_deref(), Some(&b"{\"result\":{}}"[..]));
    assert!(outbox.claim(one.id(), &a).await.unwrap().is_none(), "final");
    assert_eq!(outbox.unfinished().await.unwrap(), 0);
    let finished: bool = db
        .query_one(
            &format!(
                "SELECT finished_at IS NOT NULL AND lease_owner IS NULL FROM {}",
                outbox.table()
            ),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(finished);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn processes_claiming_at_once_never_get_the_same_intent() {
    let table = unique("obx_many");
    let first = builder(&table).connect().await.unwrap();
    for n in 0..300 {
        first
            .outbox()
            .record(&intent(&format!("cap-{n}")), None)
            .await
            .unwrap();
    }
    // Eight processes' worth: each its own pool. They all connect before
    // any claims, so that none can take every intent while the others are
    // still connecting (which a loaded machine made happen).
    let ready = Arc::new(tokio::sync::Barrier::new(8));
    let claimers: Vec<_> = (0..8)
        .map(|p| {
            let builder = builder(&table).max_connections(2);
            let ready = Arc::clone(&ready);
            tokio::spawn(async move {
                let outbox = builder.connect().await.unwrap().outbox();
                ready.wait().await;
                let mut mine = Vec::new();
                loop {
                    let lease = Lease::new(&format!("p{p}"), Duration::from_secs(60));
                    let claimed = outbox.claim_due(&lease, 7).await.unwrap();
                    if claimed.is_empty() {
                        return mine;
                    }
                    mine.extend(claimed.into_iter().map(|r| r.id.key));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut busy = 0;
    for claimer in claimers {
        let mine = claimer.await.unwrap();
        busy += usize::from(!mine.is_empty());
        all.extend(mine);
    }
    let distinct: HashSet<&String> = all.iter().collect();
    assert_eq!(all.len(), 300, "every intent claimed once");
    assert_eq!(distinct.len(), 300);
    assert!(
        busy > 1,
        "the claims were spread ({busy} claimers got some)"
    );
}

#[tokio::test]
async fn an_intent_recorded_in_the_apps_transaction_commits_with_it_or_not_at_all() {
    let store = store().await;
    let outbox = store.outbox();
    let mut conn = store.pool().get().await.unwrap();
    let lease = Lease::new("r", Duration::from_secs(60));

    let tx = conn.transaction().await.unwrap();
    assert!(matches!(
        outbox
            .record_in(&*tx, &intent("cap-rolled-back"))
            .await
            .unwrap(),
        Recorded::New(_)
    ));
    tx.rollback().await.unwrap();
    assert!(
        outbox
            .get(intent("cap-rolled-back").id())
            .await
            .unwrap()
            .is_none()
    );

    let tx = conn.transaction().await.unwrap();
    let Recorded::New(record) = outbox
        .record_in(&*tx, &intent("cap-committed"))
        .await
        .unwrap()
    else {
        panic!("new")
    };
    assert_eq!(record.sends, 0, "never sent");
    // Not visible, not claimable, before the commit.
    assert!(outbox.claim_due(&lease, 10).await.unwrap().is_empty());
    tx.commit().await.unwrap();
    let claimed = outbox.claim_due(&lease, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(
        (claimed[0].id.key.as_str(), claimed[0].sends),
        ("cap-committed", 0)
    );

    // Recorded again in a later transaction: the existing intent.
    let tx = conn.transaction().await.unwrap();
    assert!(matches!(
        outbox
            .record_in(&*tx, &intent("cap-committed"))
            .await
            .unwrap(),
        Recorded::Existing(_)
    ));
    tx.commit().await.unwrap();
}
