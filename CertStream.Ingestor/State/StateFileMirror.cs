using CertStream.Ingestor.Options;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace CertStream.Ingestor.State;

/// <summary>
/// Mirrors the tree state into <c>ct_log:state_file</c> (CERTSTREAM_CT_LOG_STATE_FILE) when it
/// is set, for single-node users who rely on the file. Written atomically (temp file + rename),
/// at most every few seconds and once more on shutdown. Format as the reference server:
/// <c>{"version":1,"logs":{"&lt;log&gt;":{"current_index":…,"tree_size":…,"last_success":…}}}</c>.
/// </summary>
public sealed class StateFileMirror
{
    private readonly string? _path;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (TreeState State, DateTimeOffset At)> _logs = new(StringComparer.Ordinal);
    private bool _dirty;

    public StateFileMirror(IOptions<CtLogOptions> options)
    {
        _path = string.IsNullOrWhiteSpace(options.Value.StateFile) ? null : System.IO.Path.GetFullPath(options.Value.StateFile);
        if (_path is not null && File.Exists(_path))
        {
            Load(_path);
        }
    }

    public string? Path => _path;

    public bool Enabled => _path is not null;

    public TreeState? TryGet(string logKey)
    {
        lock (_lock)
        {
            return _logs.TryGetValue(logKey, out var entry) ? entry.State : null;
        }
    }

    public void Set(string logKey, TreeState state, DateTimeOffset at)
    {
        if (_path is null)
        {
            return;
        }

        lock (_lock)
        {
            _logs[logKey] = (state, at);
            _dirty = true;
        }
    }

    /// <summary>Writes the file when something changed since the last write.</summary>
    public void Flush()
    {
        if (_path is null)
        {
            return;
        }

        byte[] json;
        lock (_lock)
        {
            if (!_dirty)
            {
                return;
            }

            json = Serialize();
            _dirty = false;
        }

        var directory = System.IO.Path.GetDirectoryName(_path)!;
        Directory.CreateDirectory(directory);
        var temp = _path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(json);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, _path, overwrite: true);
    }

    private byte[] Serialize()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("version", 1);
            writer.WriteStartObject("logs");
            foreach (var (key, (state, at)) in _logs)
            {
                writer.WriteStartObject(key);
                writer.WriteNumber("current_index", state.NextIndex);
                writer.WriteNumber("tree_size", state.TreeSize);
                writer.WriteNumber("last_success", at.ToUnixTimeSeconds());
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private void Load(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            if (!doc.RootElement.TryGetProperty("logs", out var logs) || logs.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            foreach (var log in logs.EnumerateObject())
            {
                if (log.Value.TryGetProperty("current_index", out var index) && index.TryGetInt64(out var next) && next >= 0)
                {
                    var size = log.Value.TryGetProperty("tree_size", out var t) && t.TryGetInt64(out var s) ? s : next;
                    _logs[log.Name] = (new TreeState(next, Math.Max(size, next)), DateTimeOffset.UnixEpoch);
                }
            }
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"ct_log:state_file (CERTSTREAM_CT_LOG_STATE_FILE): '{path}' is not valid JSON: {ex.Message}", ex);
        }
    }
}
