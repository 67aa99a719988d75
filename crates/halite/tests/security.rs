//! Hostile input on the network port: garbage, oversize frames, slow and
//! half-open peers, an unauthenticated peer trying to run jobs. The master
//! must keep serving, and must act on nothing before a key is accepted
//! (the class of Salt's CVE-2020-11651/11652).

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use support::*;

fn still_serves(fleet: &Fleet) {
    let out = fleet
        .master
        .cli(&["web1", "test.ping", "--out", "json", "--static"]);
    assert_eq!(
        out.json(),
        serde_json::json!({"web1": true}),
        "{}",
        out.stderr
    );
}

#[test]
fn garbage_and_oversize_frames_cost_nothing() {
    let fleet = Fleet::start("", &[("web1", "")]);
    let addr = ("127.0.0.1", fleet.master.port);
    // Plain garbage instead of a TLS ClientHello.
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(&[0xde, 0xad, 0xbe, 0xef].repeat(4096)).unwrap();
    let mut buf = [0u8; 64];
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = s.read(&mut buf);
    // A huge TLS record length.
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(&[0x16, 0x03, 0x01, 0xff, 0xff]).unwrap();
    s.write_all(&vec![0u8; 70_000]).unwrap_or(());
    // Many idle (half-open style) connections.
    let idle: Vec<TcpStream> = (0..200)
        .map(|_| TcpStream::connect(addr).unwrap())
        .collect();
    still_serves(&fleet);
    drop(idle);
    still_serves(&fleet);
}

/// A TLS client with a fresh key pair, speaking our framing by hand.
async fn tls_peer(
    port: u16,
) -> halite_transport::FramedConn<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    let identity = halite_pki::Identity::generate().unwrap();
    let config =
        halite_pki::tls::client_config(&identity, halite_pki::tls::MasterPin::TrustOnFirstUse)
            .unwrap();
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let tls = tokio_rustls::TlsConnector::from(config)
        .connect(halite_pki::tls::server_name(), tcp)
        .await
        .unwrap();
    halite_transport::framed(tls, halite_proto::MAX_FRAME_LEN)
}

#[test]
fn unaccepted_tls_peer_cannot_publish_or_read_anything() {
    use halite_proto::{Jid, JobReturn, MasterMsg, MinionId, MinionMsg, PROTOCOL_VERSION};
    let fleet = Fleet::start("", &[("web1", "")]);
    // The CLI socket is private to the master's user.
    let mode = std::fs::metadata(fleet.master.sock_path())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let dir_mode = std::fs::metadata(fleet.master.sock_path().parent().unwrap())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(dir_mode & 0o777, 0o700);

    let port = fleet.master.port;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let forged_jid = Jid::parse("20200101000000000001").unwrap();
    rt.block_on(async {
        // 1. An oversize first frame is refused before it is read.
        let mut conn = tls_peer(port).await;
        let big = MinionMsg::Grains {
            grains: serde_json::json!({"x": "y".repeat(100_000)}),
        };
        let _ = halite_transport::send(&mut conn, &big).await;
        let res =
            halite_transport::recv_timeout::<_, MasterMsg>(&mut conn, Duration::from_secs(10))
                .await;
        assert!(
            res.is_err(),
            "master answered an oversize pre-auth frame: {res:?}"
        );

        // 2. Skipping Hello and sending a forged return is not acted on.
        let mut conn = tls_peer(port).await;
        let forged = MinionMsg::Return(JobReturn {
            jid: forged_jid.clone(),
            id: MinionId::new("web1").unwrap(),
            fun: "test.ping".into(),
            fun_args: vec![],
            ret: serde_json::json!("forged"),
            retcode: 0,
            success: true,
            out: None,
        });
        let _ = halite_transport::send(&mut conn, &forged).await;
        let res =
            halite_transport::recv_timeout::<_, MasterMsg>(&mut conn, Duration::from_secs(10))
                .await;
        assert!(
            res.is_err(),
            "master answered a frame that was not Hello: {res:?}"
        );

        // 3. A well-formed Hello for an unknown id gets "pending" and a
        //    close; a return sent after that goes nowhere.
        let mut conn = tls_peer(port).await;
        let hello = MinionMsg::Hello {
            version: PROTOCOL_VERSION,
            id: MinionId::new("intruder").unwrap(),
        };
        halite_transport::send(&mut conn, &hello).await.unwrap();
        match halite_transport::recv_timeout::<_, MasterMsg>(&mut conn, Duration::from_secs(10))
            .await
            .unwrap()
        {
            MasterMsg::Verdict { status, .. } => {
                assert_eq!(status, halite_proto::KeyVerdict::Pending)
            }
            other => panic!("unexpected {other:?}"),
        }
        let _ = halite_transport::send(&mut conn, &forged).await;
        let next =
            halite_transport::recv_timeout::<_, MasterMsg>(&mut conn, Duration::from_secs(10))
                .await;
        assert!(
            next.is_err(),
            "connection stayed open after a pending verdict: {next:?}"
        );

        // 4. Claiming an accepted id with another key is denied.
        let mut conn = tls_peer(port).await;
        let hello = MinionMsg::Hello {
            version: PROTOCOL_VERSION,
            id: MinionId::new("web1").unwrap(),
        };
        halite_transport::send(&mut conn, &hello).await.unwrap();
        match halite_transport::recv_timeout::<_, MasterMsg>(&mut conn, Duration::from_secs(10))
            .await
            .unwrap()
        {
            MasterMsg::Verdict { status, .. } => {
                assert_eq!(status, halite_proto::KeyVerdict::Denied)
            }
            other => panic!("unexpected {other:?}"),
        }
    });
    // Nothing forged reached the job cache, and the master still serves.
    let out = fleet.master.cli(&[
        "run",
        "jobs.lookup_jid",
        forged_jid.as_str(),
        "--out",
        "json",
    ]);
    assert_eq!(out.json(), serde_json::json!({}));
    assert!(
        fleet.master.keys()["minions_pre"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == "intruder")
    );
    assert!(!fleet.master.up().contains(&"intruder".to_owned()));
    still_serves(&fleet);
}
