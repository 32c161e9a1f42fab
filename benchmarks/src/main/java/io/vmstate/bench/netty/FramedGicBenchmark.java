package io.vmstate.bench.netty;

import io.vmstate.api.SectionRef;
import io.vmstate.stream.netty.DeviceInfo;
import io.vmstate.stream.netty.MigrationDestination;
import io.vmstate.stream.netty.MigrationSource;
import io.vmstate.stream.netty.MigrationTarget;
import io.vmstate.stream.netty.Preflight;
import io.vmstate.stream.netty.Problem;
import io.vmstate.stream.netty.SectionData;
import io.vmstate.stream.netty.SectionSource;
import io.vmstate.stream.netty.TransportOptions;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A device-state-only framed migration of a 512-vCPU GICv3 + ITS sized state over loopback, per
 * operation: connect, Hello, Verdict, two sections with CRC32C, Complete both ways, close. The
 * section bytes are synthetic (random), sized from reference §1.4: GICD 10,344 B + 512 x 272 B per
 * redistributor/CPU interface = 149,608 B for arm_gicv3, 96 B of ITS registers for arm_gicv3_its.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FramedGicBenchmark {
  static final List<DeviceInfo> DEVICES =
      List.of(DeviceInfo.of("arm_gicv3", 0, 1, 1), DeviceInfo.of("arm_gicv3_its", 0, 1, 1));

  private MigrationDestination dest;
  private MigrationSource source;
  private SocketAddress at;
  private List<SectionData> sections;

  @Setup(Level.Trial)
  public void setUp() {
    Random r = new Random(512);
    byte[] gic = new byte[10_344 + 512 * 272];
    byte[] its = new byte[96];
    r.nextBytes(gic);
    r.nextBytes(its);
    sections =
        List.of(
            SectionData.of(1, new SectionRef("arm_gicv3", 0, 1), gic),
            SectionData.of(2, new SectionRef("arm_gicv3_its", 0, 1), its));
    TransportOptions o = TransportOptions.defaults();
    dest = MigrationDestination.create(o);
    source = MigrationSource.create(o);
    at =
        dest.listenFramed(
            new InetSocketAddress("127.0.0.1", 0),
            s ->
                new MigrationTarget() {
                  @Override
                  public List<Problem> preflight(List<DeviceInfo> announced) {
                    return Preflight.check(announced, DEVICES);
                  }

                  @Override
                  public void apply(List<SectionData> received) {}
                });
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    source.close();
    dest.close();
  }

  @Benchmark
  public int migrate() throws Exception {
    return source
        .sendFramed(at, SectionSource.of(DEVICES, sections))
        .await(Duration.ofSeconds(30))
        .sections();
  }
}
