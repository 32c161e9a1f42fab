package io.vmstate.bench.netty;

import io.vmstate.api.VmStateException;
import io.vmstate.gic.its.ItsState;
import io.vmstate.gic.v3.GicV3Config;
import io.vmstate.gic.v3.GicV3CpuState;
import io.vmstate.gic.v3.GicV3State;
import io.vmstate.stream.DeviceRegistry;
import io.vmstate.stream.MachineConfiguration;
import io.vmstate.transport.MigrationDestination;
import io.vmstate.transport.MigrationSource;
import io.vmstate.transport.RegistrySections;
import io.vmstate.transport.RegistryTarget;
import io.vmstate.transport.TransportOptions;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
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
 * A device-state-only framed migration of a 512-vCPU GICv3 ({@link GicV3Config#tcg}(512), every CPU
 * programmed differently) and its ITS between two {@link DeviceRegistry}s over loopback, per
 * operation: save the source registry ({@link RegistrySections#snapshot}), connect, Hello with both
 * exported schemas, the destination's pre-flight (version windows and the check-compat rules
 * against its own descriptions), Verdict, the two sections with CRC32C, Complete, the atomic
 * registry load ({@link RegistryTarget}), Complete back, close.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FramedGicBenchmark {
  static final int CPUS = 512;

  private MigrationDestination dest;
  private MigrationSource source;
  private SocketAddress at;
  private DeviceRegistry from;

  static DeviceRegistry registry(GicV3State gic, ItsState its) {
    return new DeviceRegistry(new MachineConfiguration("virt-7.2").setTargetPageBits(12))
        .register("arm_gicv3", 0, GicV3State.DESCRIPTION, gic)
        .register("arm_gicv3_its", 0, ItsState.DESCRIPTION, its);
  }

  /**
   * The source registry of this benchmark: a 512-vCPU GICv3 with every CPU programmed differently,
   * and its ITS.
   */
  public static DeviceRegistry programmed() {
    GicV3State gic = new GicV3State(GicV3Config.tcg(CPUS));
    gic.setCtlr(0x13);
    for (int intid = 32; intid < 256; intid++) {
      gic.setEnabled(intid, 0, true);
      gic.setPriority(intid, 0, intid & 0xf8);
      gic.routeTo(intid, intid % CPUS);
    }
    for (int c = 0; c < CPUS; c++) {
      GicV3CpuState cpu = gic.redistributor(c);
      cpu.setPriority(c % 32, (c * 8) & 0xff);
      cpu.setEnabled(c % 32, true);
      cpu.setIccPmr(0xf0 - (c & 0x70));
      cpu.setPropbaser(0x4000_0000L + 0x1000L * c);
    }
    ItsState its = new ItsState();
    its.setCbaser(ItsState.CBASER_VALID | 0x8000_0000L);
    its.setCwriter(0x40);
    its.setCreadr(0x40);
    return registry(gic, its);
  }

  @Setup(Level.Trial)
  public void setUp() {
    from = programmed();
    DeviceRegistry to = registry(new GicV3State(GicV3Config.tcg(CPUS)), new ItsState());
    TransportOptions o = TransportOptions.defaults();
    dest = MigrationDestination.create(o);
    source = MigrationSource.create(o);
    at = dest.listenFramed(new InetSocketAddress("127.0.0.1", 0), s -> new RegistryTarget(to));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    source.close();
    dest.close();
  }

  @Benchmark
  public int migrate() throws VmStateException, InterruptedException {
    return source
        .sendFramed(at, RegistrySections.snapshot(from))
        .await(Duration.ofSeconds(30))
        .sections();
  }
}
