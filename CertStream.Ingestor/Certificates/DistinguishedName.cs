using System.Formats.Asn1;

namespace CertStream.Ingestor.Certificates;

/// <summary>The name attributes of docs/wire-format.md's <c>subject</c>/<c>issuer</c>, in output order.</summary>
public enum NameAttribute
{
    C = 0,
    CN = 1,
    L = 2,
    O = 3,
    OU = 4,

    /// <summary>stateOrProvinceName (2.5.4.8).</summary>
    ST = 5,

    /// <summary>PKCS #9 emailAddress (1.2.840.113549.1.9.1), <c>email_address</c> on the wire.</summary>
    EmailAddress = 6,
}

/// <summary>One attribute value as written in the certificate: its string type and raw content octets.</summary>
public readonly record struct NameValue(NameAttribute Attribute, UniversalTagNumber StringType, ReadOnlyMemory<byte> Raw);

/// <summary>
/// The attributes of a subject or issuer Name that the wire format shows, in certificate order.
/// Other attributes (serialNumber, street, DC …) are skipped. <see cref="IsValid"/> is false when the
/// Name did not decode; then it holds no values.
/// </summary>
public sealed class DistinguishedName
{
    internal const int AttributeCount = 7;

    internal readonly List<NameValue> Items = new(8);

    public bool IsValid { get; internal set; }

    public IReadOnlyList<NameValue> Values => Items;

    /// <summary>The values of <paramref name="attribute"/> decoded and joined with <c>,</c>; null when absent.</summary>
    public string? Get(NameAttribute attribute)
    {
        using var text = new Utf8Builder(256);
        var found = AppendJoined(attribute, text);
        return found ? System.Text.Encoding.UTF8.GetString(text.WrittenSpan) : null;
    }

    /// <summary>Appends the joined values of <paramref name="attribute"/>; false (nothing appended) when absent.</summary>
    internal bool AppendJoined(NameAttribute attribute, Utf8Builder output)
    {
        var found = false;
        foreach (var value in Items)
        {
            if (value.Attribute != attribute)
            {
                continue;
            }

            if (found)
            {
                output.Append((byte)',');
            }

            DirectoryStringDecoder.Append(value.StringType, value.Raw.Span, output);
            found = true;
        }

        return found;
    }

    internal void Reset()
    {
        Items.Clear();
        IsValid = false;
    }
}
