package io.vmstate.transport;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS contexts for the transport from PKCS#12 key and trust stores (as {@code keytool} makes them),
 * using the JDK's TLS provider. The destination always requires a client certificate that its trust
 * store vouches for, so an unauthenticated peer is refused during the handshake, before any
 * migration byte is read. Host names are not checked: peers are authenticated by certificate.
 */
public final class Tls {
  private Tls() {}

  /** A destination's context: its own key, and the certificates of the sources it accepts. */
  public static SslContext server(Path keyStore, char[] keyPass, Path trustStore, char[] trustPass)
      throws IOException, GeneralSecurityException {
    return SslContextBuilder.forServer(keys(keyStore, keyPass))
        .trustManager(trust(trustStore, trustPass))
        .clientAuth(ClientAuth.REQUIRE)
        .build();
  }

  /**
   * A source's context: the certificates of the destinations it trusts, and its own key ({@code
   * keyStore} may be null for a client without a certificate, which a destination refuses).
   */
  public static SslContext client(Path keyStore, char[] keyPass, Path trustStore, char[] trustPass)
      throws IOException, GeneralSecurityException {
    SslContextBuilder b = SslContextBuilder.forClient().trustManager(trust(trustStore, trustPass));
    if (keyStore != null) {
      b.keyManager(keys(keyStore, keyPass));
    }
    return b.build();
  }

  private static KeyManagerFactory keys(Path store, char[] pass)
      throws IOException, GeneralSecurityException {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(load(store, pass), pass);
    return kmf;
  }

  private static TrustManagerFactory trust(Path store, char[] pass)
      throws IOException, GeneralSecurityException {
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(load(store, pass));
    return tmf;
  }

  private static KeyStore load(Path store, char[] pass)
      throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, pass);
    }
    return ks;
  }
}
