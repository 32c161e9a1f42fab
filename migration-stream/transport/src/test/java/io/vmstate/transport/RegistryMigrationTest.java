package io.vmstate.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.vmstate.api.IncompatibleSchemaException;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateException;
import io.vmstate.stream.DeviceRegistry;
import io.vmstate.stream.MachineConfiguration;
import io.vmstate.transport.proto.ErrorReason;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Registry to registry over the transport: framed (pre-flight, atomic apply) and raw. */
@ExtendWith(LeakWatch.class)
class RegistryMigrationTest {
  static final Duration WAIT = Duration.ofSeconds(20);
  static final int CPUS = 4;

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private static GicVm vm() {
    return GicVm.of(CPUS, 12);
  }

  private static GicVm programmedVm() {
    return GicVm.programmed(CPUS, 12);
  }

  private MigrationDestination destination(TransportOptions o) {
    MigrationDestination d = MigrationDestination.create(o);
    open.add(d);
    return d;
  }

  private MigrationSource source() {
    MigrationSource s = MigrationSource.create(TransportOptions.defaults());
    open.add(s);
    return s;
  }

  private static final InetSocketAddress ANY = new InetSocketAddress("127.0.0.1", 0);

  @Test
  void framedMigrationLoadsEveryCpuOfTheGicIntoTheRegistry() throws Exception {
    GicVm src = programmedVm();
    GicVm dst = vm();
    List<int[]> progress = new CopyOnWriteArrayList<>();
    TransportOptions o =
        TransportOptions.builder()
            .progress((s, bytes, sections) -> progress.add(new int[] {(int) bytes, sections}))
            .build();
    SocketAddress at = destination(o).listenFramed(ANY, s -> new RegistryTarget(dst.registry()));
    MigrationResult r =
        source().sendFramed(at, RegistrySections.snapshot(src.registry())).await(WAIT);

    assertEquals(2, r.sections());
    assertArrayEquals(src.registry().saveToBytes(), dst.registry().saveToBytes());
    for (int c = 0; c < CPUS; c++) {
      var cpu = dst.gic().redistributor(c);
      assertEquals(0x10 * (c + 1), cpu.priority(3 + c), "cpu " + c);
      assertEquals(0xf0 - 8 * c, cpu.iccPmr(), "cpu " + c);
      assertEquals(0x4000_0000L + 0x1000L * c, cpu.propbaser(), "cpu " + c);
    }
    assertEquals(0x80, dst.gic().priority(40, 0));
    assertEquals(0x40, dst.its().cwriter());
    assertEquals(List.of(1, 2), progress.stream().map(p -> p[1]).toList());
    assertEquals(r.bytes(), progress.get(1)[0]);
  }

  @Test
  void helloCarriesTheExportedSchemaOfEveryDevice() throws Exception {
    SectionSource s = RegistrySections.snapshot(programmedVm().registry());
    assertEquals(
        List.of("arm_gicv3", "arm_gicv3_its"),
        s.devices().stream().map(DeviceInfo::idstr).toList());
    for (DeviceInfo d : s.devices()) {
      var schema = io.vmstate.api.schema.proto.SectionSchema.parseFrom(d.schema());
      assertEquals(d.idstr(), schema.getKey());
      assertEquals(d.version(), schema.getVersionId());
      assertTrue(schema.getDescription().getFieldsCount() > 0, d.idstr());
    }
    var gic = io.vmstate.api.schema.proto.SectionSchema.parseFrom(s.devices().get(0).schema());
    assertTrue(
        gic.getDescription().getFieldsList().stream().anyMatch(f -> f.getName().equals("cpu")));
  }

  /** The ITS section (sent after the GIC's, which decodes fine) is cut short by the source. */
  private static SectionSource truncatingLast(SectionSource real) {
    return new SectionSource() {
      private int n;

      @Override
      public List<DeviceInfo> devices() {
        return real.devices();
      }

      @Override
      public SectionData next() throws VmStateException {
        SectionData s = real.next();
        if (s == null || ++n < real.devices().size()) {
          return s;
        }
        ByteString d = s.data();
        return new SectionData(s.sectionId(), s.ref(), d.substring(0, d.size() - 1));
      }
    };
  }

  @Test
  void failedLoadLeavesTheDestinationRegistryExactlyAsItWas() throws Exception {
    GicVm src = programmedVm();
    GicVm dst = vm();
    dst.gic().redistributor(1).setIccPmr(0x55);
    dst.its().setCwriter(0x20);
    byte[] before = dst.registry().saveToBytes();
    SocketAddress at =
        destination(TransportOptions.defaults())
            .listenFramed(ANY, s -> new RegistryTarget(dst.registry()));
    MigrationSession s =
        source().sendFramed(at, truncatingLast(RegistrySections.snapshot(src.registry())));

    MigrationTransportException e =
        assertThrows(MigrationTransportException.class, () -> s.await(WAIT));
    assertEquals(ErrorReason.APPLY_FAILED, e.remoteReason());
    assertTrue(e.getMessage().contains("arm_gicv3_its"), e.getMessage());
    assertArrayEquals(before, dst.registry().saveToBytes());
    assertEquals(0x55, dst.gic().redistributor(1).iccPmr());
    assertNotEquals(src.gic().redistributor(2).iccPmr(), dst.gic().redistributor(2).iccPmr());
  }

  // ---- pre-flight with the compat checker ----

  static final class Box {
    int a;
    int b;
    int extra;
  }

  private static VmStateDescription<Box> box(boolean withB, int subsectionVersion) {
    var extra =
        VmStateDescription.<Box>named("box/extra")
            .version(subsectionVersion)
            .minimumVersion(subsectionVersion)
            .uint32("extra", x -> x.extra, (x, v) -> x.extra = v)
            .build();
    var b =
        VmStateDescription.<Box>named("box")
            .version(2)
            .minimumVersion(1)
            .uint32("a", x -> x.a, (x, v) -> x.a = v);
    if (withB) {
      b.uint32("b", x -> x.b, (x, v) -> x.b = v);
    }
    return b.subsection(extra).build();
  }

  private static DeviceRegistry boxRegistry(VmStateDescription<Box> d, Box box) {
    return new DeviceRegistry(new MachineConfiguration("virt-7.2").setTargetPageBits(12))
        .register("box", 0, d, box);
  }

  /** Counts the sections pulled from the source: none may move after a refusal. */
  private static SectionSource counting(SectionSource real, AtomicInteger pulled) {
    return new SectionSource() {
      @Override
      public List<DeviceInfo> devices() {
        return real.devices();
      }

      @Override
      public SectionData next() throws VmStateException {
        pulled.incrementAndGet();
        return real.next();
      }
    };
  }

  private IncompatibleSchemaException refused(
      VmStateDescription<Box> sourceDesc, VmStateDescription<Box> destDesc) throws Exception {
    Box srcBox = new Box();
    srcBox.a = 1;
    srcBox.b = 2;
    srcBox.extra = 3;
    Box dstBox = new Box();
    DeviceRegistry dst = boxRegistry(destDesc, dstBox);
    byte[] before = dst.saveToBytes();
    BlockingQueue<MigrationSession> sessions = new ArrayBlockingQueue<>(1);
    SocketAddress at =
        destination(TransportOptions.defaults())
            .listenFramed(
                ANY,
                s -> {
                  sessions.add(s);
                  return new RegistryTarget(dst);
                });
    AtomicInteger pulled = new AtomicInteger();
    MigrationSession s =
        source()
            .sendFramed(
                at, counting(RegistrySections.snapshot(boxRegistry(sourceDesc, srcBox)), pulled));
    IncompatibleSchemaException e =
        assertThrows(IncompatibleSchemaException.class, () -> s.await(WAIT));
    MigrationSession d = sessions.poll(10, TimeUnit.SECONDS);
    assertInstanceOf(
        IncompatibleSchemaException.class,
        assertThrows(VmStateException.class, () -> d.await(WAIT)));
    assertEquals(0, pulled.get());
    assertArrayEquals(before, dst.saveToBytes());
    return e;
  }

  @Test
  void destinationLackingAFieldTheSourceSendsIsRefusedNamingIt() throws Exception {
    IncompatibleSchemaException e = refused(box(true, 1), box(false, 1));
    assertTrue(e.getMessage().contains("box (instance 0): INCOMPATIBLE_SCHEMA"), e.getMessage());
    assertTrue(e.getMessage().contains(": b: expected field b"), e.getMessage());
  }

  @Test
  void subsectionOutsideTheDestinationsVersionWindowIsRefused() throws Exception {
    IncompatibleSchemaException e = refused(box(true, 2), box(true, 1));
    assertTrue(e.getMessage().contains("box (instance 0): INCOMPATIBLE_SCHEMA"), e.getMessage());
    assertTrue(e.getMessage().contains("box/extra"), e.getMessage());
    assertTrue(e.getMessage().contains("[box/extra]: version error: 2 > 1"), e.getMessage());
  }

  @Test
  void compatibleSchemasMigrate() throws Exception {
    Box srcBox = new Box();
    srcBox.a = 7;
    srcBox.b = 8;
    srcBox.extra = 9;
    Box dstBox = new Box();
    DeviceRegistry dst = boxRegistry(box(true, 1), dstBox);
    SocketAddress at =
        destination(TransportOptions.defaults()).listenFramed(ANY, s -> new RegistryTarget(dst));
    source()
        .sendFramed(at, RegistrySections.snapshot(boxRegistry(box(true, 1), srcBox)))
        .await(WAIT);
    assertEquals(List.of(7, 8, 9), List.of(dstBox.a, dstBox.b, dstBox.extra));
  }

  // ---- raw mode ----

  @Test
  void rawRegistrySaveLoadsIntoARegistryAsItArrives() throws Exception {
    GicVm src = programmedVm();
    GicVm dst = vm();
    BlockingQueue<MigrationSession> sessions = new ArrayBlockingQueue<>(1);
    SocketAddress at =
        destination(TransportOptions.defaults())
            .listenRaw(
                ANY,
                s -> {
                  sessions.add(s);
                  return RegistryTarget.rawSink(dst.registry(), DeviceRegistry.LoadOptions.DEFAULT);
                });
    source().sendRaw(at, RegistrySections.rawStream(src.registry())).await(WAIT);
    MigrationResult r = sessions.poll(10, TimeUnit.SECONDS).await(WAIT);
    assertEquals(2, r.sections());
    assertArrayEquals(src.registry().saveToBytes(), dst.registry().saveToBytes());
  }

  @Test
  void truncatedRawStreamLeavesTheRegistryAsItWas() throws Exception {
    GicVm src = programmedVm();
    GicVm dst = vm();
    byte[] before = dst.registry().saveToBytes();
    byte[] stream = src.registry().saveToBytes();
    BlockingQueue<MigrationSession> sessions = new ArrayBlockingQueue<>(1);
    SocketAddress at =
        destination(TransportOptions.defaults())
            .listenRaw(
                ANY,
                s -> {
                  sessions.add(s);
                  return RegistryTarget.rawSink(dst.registry(), DeviceRegistry.LoadOptions.DEFAULT);
                });
    // Cut inside the ITS section, after the whole GIC section.
    int cut = stream.length - 200;
    // The destination reads it all, fails at the end and says so the way QEMU's return path does:
    // the sender fails too instead of reporting a migration nobody loaded.
    MigrationSession sent = source().sendRaw(at, out -> out.write(stream, 0, cut));
    MigrationTransportException e =
        assertInstanceOf(
            MigrationTransportException.class,
            assertThrows(VmStateException.class, () -> sent.await(WAIT)));
    assertEquals(io.vmstate.transport.proto.ErrorReason.APPLY_FAILED, e.remoteReason());
    MigrationSession d = sessions.poll(10, TimeUnit.SECONDS);
    assertInstanceOf(
        VmStateDecodeException.class, assertThrows(VmStateException.class, () -> d.await(WAIT)));
    assertArrayEquals(before, dst.registry().saveToBytes());
  }
}
