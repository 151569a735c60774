package dev.notify.push;

import java.security.InvalidAlgorithmParameterException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyPairGeneratorSpi;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.SecureRandomSpi;
import java.security.Security;
import java.security.spec.AlgorithmParameterSpec;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The seam for a known-answer test of an encryption that draws its own salt and ephemeral key:
 * a JCA provider, installed first for the duration of a test, that answers the next
 * {@code new SecureRandom()} and the next {@code KeyPairGenerator.getInstance("EC")} on the
 * installing thread with the given salt and key pair, once each. Every other request, and every
 * other thread, gets the JDK's own implementations, so nothing else in the JVM sees fixed values.
 */
final class FixedEntropy extends Provider implements AutoCloseable {
    private final Thread owner = Thread.currentThread();
    private final AtomicBoolean keyPairPending = new AtomicBoolean(true);
    private final AtomicBoolean saltPending = new AtomicBoolean(true);

    private FixedEntropy(KeyPair keyPair, byte[] salt) {
        super("NotifyTestFixedEntropy", "1.0", "fixed salt and ephemeral key for RFC 8291 known-answer tests");
        putService(new Service(this, "KeyPairGenerator", "EC", FixedKeyPairGenerator.class.getName(),
                List.of("EllipticCurve"), null) {
            @Override
            public Object newInstance(Object parameter) throws NoSuchAlgorithmException {
                if (Thread.currentThread() == owner && keyPairPending.getAndSet(false)) {
                    return new FixedKeyPairGenerator(keyPair);
                }
                return new JdkKeyPairGenerator();
            }
        });
        putService(new Service(this, "SecureRandom", "NotifyTestFixed", FixedSalt.class.getName(), null, null) {
            @Override
            public Object newInstance(Object parameter) throws NoSuchAlgorithmException {
                if (Thread.currentThread() == owner && saltPending.getAndSet(false)) {
                    return new FixedSalt(salt);
                }
                return new JdkRandom();
            }
        });
    }

    /** Installs the provider first in the JCA's list. */
    static FixedEntropy install(KeyPair keyPair, byte[] salt) {
        FixedEntropy provider = new FixedEntropy(keyPair, salt.clone());
        Security.insertProviderAt(provider, 1);
        return provider;
    }

    /** Whether both fixed values were handed out. */
    boolean used() {
        return !keyPairPending.get() && !saltPending.get();
    }

    @Override
    public void close() {
        Security.removeProvider(getName());
    }

    /** Returns the key pair whatever it is initialised with. */
    static final class FixedKeyPairGenerator extends KeyPairGeneratorSpi {
        private final KeyPair pair;

        FixedKeyPairGenerator(KeyPair pair) {
            this.pair = pair;
        }

        @Override
        public void initialize(int keysize, SecureRandom random) {
        }

        @Override
        public void initialize(AlgorithmParameterSpec params, SecureRandom random) {
        }

        @Override
        public KeyPair generateKeyPair() {
            return pair;
        }
    }

    /** The JDK's EC key pair generator, for everyone else. */
    static final class JdkKeyPairGenerator extends KeyPairGeneratorSpi {
        private final KeyPairGenerator jdk;

        JdkKeyPairGenerator() throws NoSuchAlgorithmException {
            try {
                jdk = KeyPairGenerator.getInstance("EC", "SunEC");
            } catch (java.security.NoSuchProviderException e) {
                throw new NoSuchAlgorithmException(e);
            }
        }

        @Override
        public void initialize(int keysize, SecureRandom random) {
            jdk.initialize(keysize, random);
        }

        @Override
        public void initialize(AlgorithmParameterSpec params, SecureRandom random)
                throws InvalidAlgorithmParameterException {
            jdk.initialize(params, random);
        }

        @Override
        public KeyPair generateKeyPair() {
            return jdk.generateKeyPair();
        }
    }

    /** The salt for the first 16-byte request, then the JDK's randomness. */
    static final class FixedSalt extends SecureRandomSpi {
        private final byte[] salt;
        private final SecureRandom jdk = jdkRandom();
        private boolean given;

        FixedSalt(byte[] salt) {
            this.salt = salt;
        }

        @Override
        protected void engineSetSeed(byte[] seed) {
        }

        @Override
        protected synchronized void engineNextBytes(byte[] bytes) {
            if (!given && bytes.length == salt.length) {
                given = true;
                System.arraycopy(salt, 0, bytes, 0, salt.length);
                return;
            }
            jdk.nextBytes(bytes);
        }

        @Override
        protected byte[] engineGenerateSeed(int numBytes) {
            return jdk.generateSeed(numBytes);
        }
    }

    /** The JDK's randomness, for everyone else. */
    static final class JdkRandom extends SecureRandomSpi {
        private final SecureRandom jdk = jdkRandom();

        @Override
        protected void engineSetSeed(byte[] seed) {
            jdk.setSeed(seed);
        }

        @Override
        protected void engineNextBytes(byte[] bytes) {
            jdk.nextBytes(bytes);
        }

        @Override
        protected byte[] engineGenerateSeed(int numBytes) {
            return jdk.generateSeed(numBytes);
        }
    }

    private static SecureRandom jdkRandom() {
        try {
            return SecureRandom.getInstance("DRBG", "SUN");
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
