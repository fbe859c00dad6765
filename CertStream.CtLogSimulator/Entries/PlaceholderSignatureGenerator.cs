using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertStream.CtLogSimulator.Entries;

/// <summary>
/// Signs with a well-formed but fake ecdsa-with-SHA256 signature derived from the signed bytes
/// (the simulator's CA certificates through CertificateRequest, the leaves through <see cref="Sign"/>).
/// Why: ECDSA signatures are randomised, and the simulator promises the same bytes for an entry on
/// every request, whether it comes from the cache or is generated again; it also needs no private key
/// and is fast enough for a load tool. Nothing in CertStream verifies certificate signatures.
/// </summary>
internal sealed class PlaceholderSignatureGenerator(PublicKey publicKey) : X509SignatureGenerator
{
    // AlgorithmIdentifier { ecdsa-with-SHA256 } (RFC 5758 §3.2: parameters absent).
    internal static readonly byte[] EcdsaWithSha256 = [0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02];

    public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm) => EcdsaWithSha256;

    public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) => Sign(data);

    internal static byte[] Sign(ReadOnlySpan<byte> data)
    {
        Span<byte> r = stackalloc byte[32];
        Span<byte> s = stackalloc byte[32];
        SHA256.HashData(data, r);
        SHA256.HashData(r, s);
        return EcdsaSignatureDer(r, s);
    }

    protected override PublicKey BuildPublicKey() => publicKey;

    /// <summary>Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }, with both kept positive and minimal.</summary>
    internal static byte[] EcdsaSignatureDer(ReadOnlySpan<byte> r, ReadOnlySpan<byte> s)
    {
        var sig = new byte[2 + 2 * (2 + 32)];
        sig[0] = 0x30;
        sig[1] = (byte)(sig.Length - 2);
        WriteInteger(sig.AsSpan(2), r);
        WriteInteger(sig.AsSpan(2 + 34), s);
        return sig;

        static void WriteInteger(Span<byte> destination, ReadOnlySpan<byte> value)
        {
            destination[0] = 0x02;
            destination[1] = 32;
            value.CopyTo(destination[2..]);
            // High bit clear: positive without a 0x00 pad; low bit set: the first byte is never a redundant 0x00.
            destination[2] = (byte)((destination[2] & 0x7F) | 0x01);
        }
    }
}
