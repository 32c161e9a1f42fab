package io.vmstate.transport;

import static io.vmstate.transport.FramedSessionTest.WAIT;
import static io.vmstate.transport.FramedSessionTest.assertSameSections;
import static io.vmstate.transport.FramedSessionTest.failure;
import static io.vmstate.transport.FramedSessionTest.transport;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.handler.ssl.SslContext;
import io.vmstate.transport.MigrationTransportException.Kind;
import io.vmstate.transport.TestSections.RecordingTarget;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Framed sessions over TLS with required client certificates, made with keytool at test time. */
@ExtendWith(LeakWatch.class)
class TlsTest {
  private static final char[] PASS = "test-only".toCharArray();
  @TempDir static Path dir;

  @BeforeAll
  static void makeCertificates() throws Exception {
    for (String who : List.of("server", "client", "rogue")) {
      keytool(
          "-genkeypair",
          "-alias",
          who,
          "-keyalg",
          "EC",
          "-groupname",
          "secp256r1",
          "-dname",
          "CN=" + who,
          "-validity",
          "2",
          "-storetype",
          "PKCS12",
          "-keystore",
          store(who),
          "-storepass",
          new String(PASS),
          "-keypass",
          new String(PASS));
      keytool(
          "-exportcert",
          "-rfc",
          "-alias",
          who,
          "-keystore",
          store(who),
          "-storepass",
          new String(PASS),
          "-file",
          dir.resolve(who + ".crt").toString());
    }
    // The server trusts only "client"; both clients trust the server.
    trust("server-trust", "client");
    trust("client-trust", "server");
  }

  private static String store(String who) {
    return dir.resolve(who + ".p12").toString();
  }

  private static void trust(String store, String cert) throws Exception {
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        cert,
        "-file",
        dir.resolve(cert + ".crt").toString(),
        "-storetype",
        "PKCS12",
        "-keystore",
        store(store),
        "-storepass",
        new String(PASS));
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), "keytool " + String.join(" ", args) + ":\n" + out);
  }

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    Threads.assertNoneLeft();
  }

  private final List<DeviceInfo> devices = TestSections.devices(2);
  private final List<SectionData> sections = TestSections.sections(devices, 11, 5000);
  private final RecordingTarget target = new RecordingTarget(devices);
  private final AtomicReference<MigrationSession> incoming = new AtomicReference<>();

  private MigrationSession migrate(SslContext client) throws Exception {
    SslContext server =
        Tls.server(Path.of(store("server")), PASS, Path.of(store("server-trust")), PASS);
    MigrationDestination dest =
        MigrationDestination.create(TransportOptions.builder().ssl(server).build());
    open.add(dest);
    SocketAddress at =
        dest.listenFramed(
            new InetSocketAddress("127.0.0.1", 0),
            s -> {
              incoming.set(s);
              return target;
            });
    MigrationSource src = MigrationSource.create(TransportOptions.builder().ssl(client).build());
    open.add(src);
    return src.sendFramed(at, SectionSource.of(devices, sections));
  }

  @Test
  void trustedClientMigrates() throws Exception {
    SslContext client =
        Tls.client(Path.of(store("client")), PASS, Path.of(store("client-trust")), PASS);
    assertEquals(2, migrate(client).await(WAIT).sections());
    incoming.get().await(WAIT);
    assertSameSections(sections, target.applied.get());
  }

  @Test
  void untrustedClientCertificateIsRefusedOnBothEnds() throws Exception {
    SslContext rogue =
        Tls.client(Path.of(store("rogue")), PASS, Path.of(store("client-trust")), PASS);
    MigrationSession s = migrate(rogue);
    transport(failure(s), Kind.TLS_REFUSED);
    transport(failure(incoming.get()), Kind.TLS_REFUSED);
    assertEquals(0, target.applyCalls.get());
    assertNull(target.applied.get());
  }

  @Test
  void clientWithoutCertificateIsRefusedOnBothEnds() throws Exception {
    SslContext anonymous = Tls.client(null, null, Path.of(store("client-trust")), PASS);
    MigrationSession s = migrate(anonymous);
    transport(failure(s), Kind.TLS_REFUSED);
    transport(failure(incoming.get()), Kind.TLS_REFUSED);
    assertEquals(0, target.applyCalls.get());
  }
}
