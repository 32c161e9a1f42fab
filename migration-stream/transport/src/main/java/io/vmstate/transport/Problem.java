package io.vmstate.transport;

import static com.google.common.base.Preconditions.checkNotNull;

import io.vmstate.transport.proto.ProblemKind;

/** One reason a pre-flight verdict refuses a migration. */
public record Problem(String idstr, long instanceId, ProblemKind kind, String message) {
  public Problem {
    checkNotNull(idstr, "idstr");
    checkNotNull(kind, "kind");
    checkNotNull(message, "message");
  }

  @Override
  public String toString() {
    return idstr + " (instance " + instanceId + "): " + kind + ": " + message;
  }
}
