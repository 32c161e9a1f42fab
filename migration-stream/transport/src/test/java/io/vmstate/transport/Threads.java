package io.vmstate.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

/** Asserts that no transport thread outlives its source or destination. */
final class Threads {
  private Threads() {}

  static List<String> transportThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("vmstate-send") || n.startsWith("vmstate-receive"))
        .sorted()
        .toList();
  }

  static void assertNoneLeft() throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!transportThreads().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(List.of(), transportThreads(), "transport threads still running");
  }
}
