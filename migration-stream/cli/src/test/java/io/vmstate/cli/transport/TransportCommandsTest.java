package io.vmstate.cli.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.codec.WireInput;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamEvent;
import io.vmstate.stream.StreamSource;
import io.vmstate.testkit.QemuMachine;
import io.vmstate.transport.SectionData;
import io.vmstate.transport.SectionSource;
import io.vmstate.transport.StreamFileSections;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TransportCommandsTest {
  @TempDir Path dir;
  private Path sample;
  private final ExecutorService pool = Executors.newSingleThreadExecutor();

  @BeforeEach
  void writeSample() throws Exception {
    sample = dir.resolve("sample.qemu");
    try (InputStream in =
        TransportCommandsTest.class.getResourceAsStream("/io/vmstate/cli/sample-virt-gicv3.qemu")) {
      Files.write(sample, in.readAllBytes());
    }
  }

  @AfterEach
  void stop() throws InterruptedException {
    pool.shutdownNow();
    assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
  }

  private record Run(int rc, String out, String err) {}

  private static Run run(Object command, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(command);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int rc = cl.execute(args);
    return new Run(rc, out.toString(), err.toString());
  }

  private Run sendThroughReceive(Path out, boolean framed, String... sendOptions) throws Exception {
    String at = "127.0.0.1:" + QemuMachine.freePort();
    List<String> recv = new ArrayList<>(List.of("--listen", at, "-o", out.toString()));
    List<String> send = new ArrayList<>(List.of(sample.toString(), "--to", at));
    send.addAll(List.of(sendOptions));
    if (framed) {
      recv.add("--framed");
      send.add("--framed");
    }
    if (send.contains("--device-state-only")) {
      // the receiver decodes every section: the sample's own vmdesc describes its devices
      recv.addAll(List.of("--device-state-only", "--desc-from", sample.toString()));
    }
    Future<Run> receiver =
        pool.submit(() -> run(new ReceiveCommand(), recv.toArray(String[]::new)));
    Run sent = null;
    for (int attempt = 0; attempt < 100; attempt++) {
      sent = run(new SendCommand(), send.toArray(String[]::new));
      if (sent.rc() == 0 || !sent.err().contains("Connection refused")) {
        break;
      }
      Thread.sleep(50);
    }
    assertEquals(0, sent.rc(), sent.err());
    Run received = receiver.get(30, TimeUnit.SECONDS);
    assertEquals(0, received.rc(), received.err());
    assertTrue(received.out().contains("\"ok\": true"), received.out());
    // the last progress line counts what the summary counts
    for (Run r : List.of(sent, received)) {
      java.util.regex.Matcher summary =
          java.util.regex.Pattern.compile("\"bytes\": (\\d+), \"sections\": (\\d+)")
              .matcher(r.out());
      assertTrue(summary.find(), r.out());
      assertTrue(
          r.err()
              .contains(
                  ": " + summary.group(1) + " bytes, " + summary.group(2) + " sections, done"),
          r.err() + r.out());
    }
    return sent;
  }

  @Test
  void rawSendAndReceiveCopyTheStreamByteForByte() throws Exception {
    Path out = dir.resolve("raw.qemu");
    Run sent = sendThroughReceive(out, false);
    assertTrue(sent.out().contains("\"mode\": \"raw\""), sent.out());
    // the receiver's verdict, read the way QEMU's return path carries it
    assertTrue(sent.out().contains("\"outcome\": \"loaded\""), sent.out());
    assertFalse(sent.out().contains("\"ok\""), sent.out());
    assertArrayEquals(Files.readAllBytes(sample), Files.readAllBytes(out));
  }

  /** --return-path: the 5-byte command after the configuration, the rest byte for byte. */
  @Test
  void rawSendWithTheReturnPathCommand() throws Exception {
    Path out = dir.resolve("rp.qemu");
    Run sent = sendThroughReceive(out, false, "--return-path");
    assertTrue(sent.out().contains("\"outcome\": \"loaded\""), sent.out());
    byte[] in = Files.readAllBytes(sample);
    byte[] got = Files.readAllBytes(out);
    assertEquals(in.length + 5, got.length);
    int at = 0;
    while (in[at] == got[at]) {
      at++;
    }
    assertArrayEquals(new byte[] {8, 0, 1, 0, 0}, java.util.Arrays.copyOfRange(got, at, at + 5));
    assertArrayEquals(
        java.util.Arrays.copyOfRange(in, at, in.length),
        java.util.Arrays.copyOfRange(got, at + 5, got.length));
  }

  /**
   * A stream cut inside its vmdesc: the receiver reads all of it, fails at the end and says so on
   * the return path; the sender fails too (exit 1) instead of reporting success.
   */
  @Test
  void rawSendReportsTheReceiversFailedLoad() throws Exception {
    byte[] all = Files.readAllBytes(sample);
    Path cut = dir.resolve("cut.qemu");
    Files.write(cut, java.util.Arrays.copyOf(all, all.length - 100));
    Path out = dir.resolve("never.qemu");
    String at = "127.0.0.1:" + QemuMachine.freePort();
    Future<Run> receiver =
        pool.submit(() -> run(new ReceiveCommand(), "--listen", at, "--out", out.toString()));
    Run sent = null;
    for (int attempt = 0; attempt < 100; attempt++) {
      sent = run(new SendCommand(), cut.toString(), "--to", at);
      if (!sent.err().contains("Connection refused")) {
        break;
      }
      Thread.sleep(50);
    }
    assertEquals(1, sent.rc(), sent.out() + sent.err());
    assertTrue(sent.err().contains("loading the stream failed"), sent.err());
    Run received = receiver.get(30, TimeUnit.SECONDS);
    assertEquals(1, received.rc(), received.err());
    assertFalse(Files.exists(out));
  }

  /** A receiver that reads everything and closes without a verdict: "delivered", never "loaded". */
  @Test
  void rawSendToASilentReaderSaysDeliveredOnly() throws Exception {
    try (java.net.ServerSocket server = new java.net.ServerSocket(0)) {
      Future<Long> reader =
          pool.submit(
              () -> {
                try (java.net.Socket s = server.accept()) {
                  return s.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                }
              });
      Run sent =
          run(new SendCommand(), sample.toString(), "--to", "127.0.0.1:" + server.getLocalPort());
      assertEquals(0, sent.rc(), sent.err());
      assertEquals(Files.size(sample), reader.get(30, TimeUnit.SECONDS));
      assertTrue(sent.out().contains("\"outcome\": \"delivered\""), sent.out());
      assertTrue(sent.out().contains("whether it loaded is not known"), sent.out());
    }
  }

  /** A real QEMU stream with RAM: the framed copy is the source byte for byte, and reads so. */
  @Test
  void framedSendAndReceiveCopyAWholeQemuStream() throws Exception {
    try (InputStream in =
        TransportCommandsTest.class.getResourceAsStream(
            "/io/vmstate/testkit/streams/gicv2-1cpu.qemu")) {
      Files.write(sample, in.readAllBytes());
    }
    Path out = dir.resolve("whole.qemu");
    Run sent = sendThroughReceive(out, true);
    assertTrue(sent.out().contains("\"mode\": \"framed\""), sent.out());
    assertTrue(sent.out().contains("\"bytes\": " + Files.size(sample) + ","), sent.out());
    assertArrayEquals(Files.readAllBytes(sample), Files.readAllBytes(out));
    Run verify = vmstate("verify", out.toString());
    assertEquals(0, verify.rc(), verify.err() + verify.out());
    Run dumpOut = vmstate("dump", out.toString());
    Run dumpIn = vmstate("dump", sample.toString());
    assertEquals(0, dumpOut.rc(), dumpOut.err());
    assertEquals(dumpIn.out(), dumpOut.out());
    assertTrue(dumpOut.out().length() > 1000, dumpOut.out());
  }

  @Test
  void framedSendAndReceiveWriteTheDeviceSections() throws Exception {
    Path out = dir.resolve("devices.qemu");
    Run sent = sendThroughReceive(out, true, "--device-state-only");
    assertTrue(sent.out().contains("\"mode\": \"framed\""), sent.out());
    SectionSource expected = StreamFileSections.open(sample);
    List<SectionData> want = new ArrayList<>();
    for (SectionData s = expected.next(); s != null; s = expected.next()) {
      want.add(s);
    }
    assertTrue(want.size() > 5, "device sections in the sample: " + want.size());
    // The output is a device-state stream: header, FULL sections with footers, EOF.
    byte[] bytes = Files.readAllBytes(out);
    io.vmstate.stream.vmdesc.Vmdesc vmdesc;
    try (StreamSource src = StreamSource.open(sample, 1 << 20)) {
      vmdesc = src.vmdesc();
    }
    // Decoding every device with the sample's vmdesc also checks the bodies are whole.
    MigrationStreamReader r =
        new MigrationStreamReader(
            WireInput.of(bytes), ReaderOptions.DEFAULT.withRequireVmdesc(false).withVmdesc(vmdesc));
    List<StreamEvent.Section> got = new ArrayList<>();
    for (StreamEvent e = r.next(); e != null; e = r.next()) {
      if (e instanceof StreamEvent.Section s) {
        got.add(s);
      } else if (e instanceof StreamEvent.Footer f) {
        SectionData w = want.get(got.size() - 1);
        assertEquals(w.ref(), f.section().section());
        byte[] body =
            java.util.Arrays.copyOfRange(bytes, (int) f.section().bodyOffset(), (int) f.offset());
        assertArrayEquals(w.data().toByteArray(), body, w.ref().toString());
      }
    }
    assertEquals(want.size(), got.size());
  }

  /**
   * A device-state-only receiver decodes every section before it accepts the session: the sample's
   * two GIC sections decode with our typed descriptions alone (no vmdesc anywhere) and the file
   * dumps them as the analyzer-exact dump of the whole sample does; a 20-byte garbage arm_gicv3
   * body is refused naming the section, and no file is kept; without --desc-from a real stream's
   * first device we do not describe ('timer') is refused.
   */
  @Test
  void deviceStateOnlyReceiveDecodesEverySectionFirst() throws Exception {
    SectionSource whole = StreamFileSections.open(sample);
    List<io.vmstate.transport.DeviceInfo> gicDevices = new ArrayList<>();
    List<SectionData> gicSections = new ArrayList<>();
    List<io.vmstate.transport.DeviceInfo> all = whole.devices();
    for (int i = 0; i < all.size(); i++) {
      SectionData s = whole.next();
      if (s.ref().idstr().startsWith("arm_gicv3")) {
        gicDevices.add(all.get(i));
        gicSections.add(s);
      }
    }
    assertEquals(2, gicSections.size(), "arm_gicv3 and arm_gicv3_its in the sample");

    Path gic = dir.resolve("gic.qemu");
    Run kept = receiveFramedDeviceState(gic, SectionSource.of(gicDevices, gicSections));
    assertEquals(0, kept.rc(), kept.err());
    Run dumped = vmstate("dump", gic.toString());
    assertEquals(1, dumped.rc(), "the file ends at EOF without a vmdesc: " + dumped.err());
    Run whole0 = vmstate("dump", sample.toString());
    assertEquals(0, whole0.rc(), whole0.err());
    java.util.Map<?, ?> got = json(dumped.out());
    java.util.Map<?, ?> want = json(whole0.out());
    for (Object key : got.keySet()) {
      assertEquals(want.get(key), got.get(key), String.valueOf(key));
    }
    assertEquals(2, got.size(), dumped.out());

    Path bad = dir.resolve("bad.qemu");
    byte[] garbage = new byte[20];
    new java.util.Random(12).nextBytes(garbage);
    SectionData first = gicSections.get(0);
    Run refused =
        receiveFramedDeviceState(
            bad,
            SectionSource.of(
                List.of(gicDevices.get(0)),
                List.of(SectionData.of(first.sectionId(), first.ref(), garbage))));
    assertEquals(1, refused.rc(), refused.out());
    assertTrue(refused.err().contains("arm_gicv3"), refused.err());
    assertFalse(Files.exists(bad));
    assertFalse(Files.exists(dir.resolve("bad.qemu.partial")));

    Path noDesc = dir.resolve("nodesc.qemu");
    Run timer = receiveFramedDeviceState(noDesc, StreamFileSections.open(sample));
    assertEquals(1, timer.rc(), timer.out());
    assertTrue(timer.err().contains("no description for section 'timer'"), timer.err());
    assertFalse(Files.exists(noDesc));
  }

  private static java.util.Map<?, ?> json(String text) throws Exception {
    byte[] b = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return (java.util.Map<?, ?>) io.vmstate.stream.vmdesc.JsonTree.parse(b, 0, b.length, 0);
  }

  /** Runs {@code receive --framed --device-state-only -o out} and sends it {@code sections}. */
  private Run receiveFramedDeviceState(Path out, SectionSource sections) throws Exception {
    int port = QemuMachine.freePort();
    Future<Run> receiver =
        pool.submit(
            () ->
                run(
                    new ReceiveCommand(),
                    "--listen",
                    "127.0.0.1:" + port,
                    "-o",
                    out.toString(),
                    "--framed",
                    "--device-state-only"));
    try (io.vmstate.transport.MigrationSource src =
        io.vmstate.transport.MigrationSource.create(
            io.vmstate.transport.TransportOptions.defaults())) {
      for (int attempt = 0; ; attempt++) {
        try {
          src.sendFramed(new java.net.InetSocketAddress("127.0.0.1", port), sections)
              .await(java.time.Duration.ofSeconds(30));
          break;
        } catch (io.vmstate.api.VmStateException e) {
          boolean refusedConnection = String.valueOf(e.getMessage()).contains("refused");
          if (!refusedConnection || attempt > 100) {
            break; // the receiver's verdict; what it says is checked on its side
          }
          Thread.sleep(50);
        }
      }
    }
    return receiver.get(30, TimeUnit.SECONDS);
  }

  private static Run vmstate(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc =
        io.vmstate.cli.VmStateCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(rc, out.toString(), err.toString());
  }

  @Test
  void sendAndReceiveAreVmstateCommands() {
    Run help = vmstate("--help");
    assertEquals(0, help.rc(), help.err());
    assertTrue(
        help.out().matches("(?s).*\\n\\s+send\\s+Send a migration stream file.*"), help.out());
    assertTrue(help.out().matches("(?s).*\\n\\s+receive\\s+Receive one migration.*"), help.out());
    Run send = vmstate("send", "--help");
    assertEquals(0, send.rc(), send.err());
    assertTrue(send.out().contains("vmstate send"), send.out());
    assertTrue(send.out().contains("--to=HOST:PORT"), send.out());
    assertTrue(send.out().contains("--framed"), send.out());
    Run receive = vmstate("receive", "--help");
    assertEquals(0, receive.rc(), receive.err());
    assertTrue(receive.out().contains("vmstate receive"), receive.out());
    assertTrue(receive.out().contains("--listen=HOST:PORT"), receive.out());
    assertTrue(receive.out().contains("-o, --output=FILE"), receive.out());
    assertFalse(receive.out().contains("--out="), "--out is a hidden alias: " + receive.out());
    Run noOutput = vmstate("receive", "--listen", "127.0.0.1:0");
    assertEquals(2, noOutput.rc());
    assertTrue(noOutput.err().contains("--output"), noOutput.err());
    assertTrue(receive.out().contains("--framed"), receive.out());
    Run usage = vmstate("send", sample.toString());
    assertEquals(2, usage.rc());
    assertTrue(usage.err().contains("--to"), usage.err());
  }

  @Test
  void badAddressIsAUsageError() {
    Run r = run(new SendCommand(), sample.toString(), "--to", "nohostport");
    assertEquals(2, r.rc());
    assertTrue(r.err().contains("expected HOST:PORT, got 'nohostport'"), r.err());
  }
}
