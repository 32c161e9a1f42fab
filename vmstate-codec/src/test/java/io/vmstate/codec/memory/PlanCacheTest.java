package io.vmstate.codec.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.VmStateDescription;
import io.vmstate.codec.VmStateCodec;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The codec's compiled plans live only as long as their descriptions. Every vmdesc read (a dump, a
 * receiver's session, a registry load with the cross-check) builds descriptions of its own; before
 * this test the plan cache kept each of them for the life of the JVM (its values held their weak
 * keys), and a fuzz campaign filled a 256 MiB heap with 85,000 of them in 15 s.
 */
class PlanCacheTest {
  static final class Pair {
    int a;
    Inner inner = new Inner();
  }

  static final class Inner {
    long b;
  }

  static VmStateDescription<Pair> fresh(int i) {
    VmStateDescription<Inner> inner =
        VmStateDescription.<Inner>named("inner" + i)
            .uint64("b", x -> x.b, (x, v) -> x.b = v)
            .build();
    return VmStateDescription.<Pair>named("pair" + i)
        .uint32("a", p -> p.a, (p, v) -> p.a = v)
        .struct("inner", p -> p.inner, inner)
        .subsection(
            VmStateDescription.<Pair>named("pair" + i + "/sub")
                .needed(p -> p.a == 7)
                .uint32("a", p -> p.a, (p, v) -> p.a = v)
                .build())
        .build();
  }

  @Test
  void aDescriptionNoLongerUsedIsCollectedWithItsPlan() throws Exception {
    List<WeakReference<VmStateDescription<Pair>>> used = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      VmStateDescription<Pair> d = fresh(i);
      Pair p = new Pair();
      p.a = 7;
      p.inner.b = i;
      byte[] bytes = VmStateCodec.DEFAULT.saveToBytes(d, p);
      Pair back = new Pair();
      VmStateCodec.DEFAULT.load(d, back, io.vmstate.codec.WireInput.of(bytes), d.version());
      assertArrayEquals(bytes, VmStateCodec.DEFAULT.saveToBytes(d, back));
      used.add(new WeakReference<>(d));
    }
    for (int round = 0; round < 20 && used.stream().anyMatch(r -> r.get() != null); round++) {
      System.gc();
      Thread.sleep(10);
    }
    long alive = used.stream().filter(r -> r.get() != null).count();
    assertTrue(alive == 0, alive + " of 100 descriptions are still reachable after their last use");
  }
}
