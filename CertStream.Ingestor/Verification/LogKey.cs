using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CertStream.Ingestor.Verification;

/// <summary>
/// A log's public key (ECDSA P-256 or RSA, the two the log list uses) and the RFC 6962 §3.5 check of a
/// TreeHeadSignature: the 50 signed bytes are version 0, signature_type tree_hash (1), timestamp, tree_size and
/// the root; the signature is a TLS DigitallySigned (hash sha256 = 4, signature ecdsa = 3 or rsa = 1, uint16
/// length, signature), docs/ct-protocols.md §1.6. The same bytes sign checkpoints (RFC6962NoteSignature).
/// </summary>
public sealed class LogKey : IDisposable
{
    private const byte HashSha256 = 4;
    private const byte SignatureRsa = 1;
    private const byte SignatureEcdsa = 3;

    private readonly ECDsa? _ecdsa;
    private readonly RSA? _rsa;

    private LogKey(byte[] spki, ECDsa? ecdsa, RSA? rsa)
    {
        LogId = SHA256.HashData(spki);
        _ecdsa = ecdsa;
        _rsa = rsa;
    }

    /// <summary>SHA-256 of the SubjectPublicKeyInfo.</summary>
    public byte[] LogId { get; }

    /// <summary>Imports a DER SubjectPublicKeyInfo; false when it is neither an ECDSA P-256 nor an RSA key.</summary>
    public static bool TryCreate(byte[] spki, out LogKey? key)
    {
        key = null;
        if (spki is not { Length: > 0 })
        {
            return false;
        }

        try
        {
            var ecdsa = ECDsa.Create();
            try
            {
                ecdsa.ImportSubjectPublicKeyInfo(spki, out var read);
                if (read == spki.Length && ecdsa.KeySize == 256)
                {
                    key = new LogKey(spki, ecdsa, null);
                    return true;
                }
            }
            catch (CryptographicException)
            {
                // not an EC key: try RSA
            }

            ecdsa.Dispose();
            var rsa = RSA.Create();
            try
            {
                rsa.ImportSubjectPublicKeyInfo(spki, out var read);
                if (read == spki.Length && rsa.KeySize >= 2048)
                {
                    key = new LogKey(spki, null, rsa);
                    return true;
                }
            }
            catch (CryptographicException)
            {
                // neither
            }

            rsa.Dispose();
            return false;
        }
        catch (PlatformNotSupportedException)
        {
            return false;
        }
    }

    /// <summary>True when <paramref name="digitallySigned"/> is this key's signature over the tree head.</summary>
    public bool VerifyTreeHead(long timestampMs, long treeSize, ReadOnlySpan<byte> rootHash, ReadOnlySpan<byte> digitallySigned)
    {
        if (rootHash.Length != 32 || digitallySigned.Length < 4 || digitallySigned[0] != HashSha256)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt16BigEndian(digitallySigned[2..]);
        if (digitallySigned.Length != 4 + length)
        {
            return false;
        }

        Span<byte> signed = stackalloc byte[50];
        signed[0] = 0; // version v1
        signed[1] = 1; // signature_type tree_hash
        BinaryPrimitives.WriteInt64BigEndian(signed[2..], timestampMs);
        BinaryPrimitives.WriteInt64BigEndian(signed[10..], treeSize);
        rootHash.CopyTo(signed[18..]);
        var signature = digitallySigned[4..];
        try
        {
            return digitallySigned[1] switch
            {
                SignatureEcdsa when _ecdsa is not null =>
                    _ecdsa.VerifyData(signed, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence),
                SignatureRsa when _rsa is not null =>
                    _rsa.VerifyData(signed, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
                _ => false,
            };
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _ecdsa?.Dispose();
        _rsa?.Dispose();
    }
}
