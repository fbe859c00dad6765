using System.Buffers;
using System.Text.Json;

namespace CertStream.CtLogSimulator.Http;

internal static class JsonBody
{
    public static ReadOnlyMemory<byte> Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.WrittenMemory;
    }
}
