package io.vmstate.transport;

import io.vmstate.api.SectionRef;
import io.vmstate.api.VmStateException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** Synthetic device sections and a destination target that records what it applied. */
final class TestSections {
  private TestSections() {}

  /**
   * Has {@code dest} listen for framed migrations at {@code address}, each into {@code target},
   * handing the destination's session to {@code incoming}.
   */
  static java.net.SocketAddress listen(
      MigrationDestination dest,
      java.net.SocketAddress address,
      MigrationTarget target,
      AtomicReference<MigrationSession> incoming) {
    return dest.listenFramed(
        address,
        s -> {
          incoming.set(s);
          return target;
        });
  }

  /** The frame that carries all of {@code d} at once (a section of at most one frame). */
  static io.vmstate.transport.proto.Envelope wholeFrame(SectionData d) {
    return io.vmstate.transport.proto.Envelope.newBuilder()
        .setSection(
            io.vmstate.transport.proto.SectionFrame.newBuilder()
                .setSectionId(d.sectionId())
                .setIdstr(d.ref().idstr())
                .setInstanceId((int) d.ref().instanceId())
                .setVersion(d.ref().versionId())
                .setData(d.data())
                .setCrc32C(Crc.of(d.data()))
                .setLast(true))
        .build();
  }

  static List<DeviceInfo> devices(int count) {
    List<DeviceInfo> d = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      d.add(DeviceInfo.of("dev" + i, i % 3, 3, 1));
    }
    return d;
  }

  static List<SectionData> sections(List<DeviceInfo> devices, long seed, int bytesEach) {
    Random r = new Random(seed);
    List<SectionData> s = new ArrayList<>();
    int id = 1;
    for (DeviceInfo d : devices) {
      byte[] data = new byte[bytesEach + r.nextInt(bytesEach / 4 + 1)];
      r.nextBytes(data);
      s.add(SectionData.of(id++, new SectionRef(d.idstr(), d.instanceId(), d.version()), data));
    }
    return s;
  }

  /** Accepts exactly {@code local}; records the one apply, or fails it when asked to. */
  static class RecordingTarget implements MigrationTarget {
    final List<DeviceInfo> local;
    final AtomicReference<List<SectionData>> applied = new AtomicReference<>();
    final AtomicInteger applyCalls = new AtomicInteger();
    volatile VmStateException failApply;

    RecordingTarget(List<DeviceInfo> local) {
      this.local = local;
    }

    @Override
    public List<Problem> preflight(List<DeviceInfo> announced) {
      return Preflight.check(announced, local);
    }

    @Override
    public void apply(List<SectionData> sections) throws VmStateException {
      applyCalls.incrementAndGet();
      if (failApply != null) {
        throw failApply;
      }
      applied.set(sections);
    }
  }
}
