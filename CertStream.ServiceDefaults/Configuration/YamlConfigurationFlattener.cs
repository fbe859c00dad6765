using YamlDotNet.RepresentationModel;

namespace CertStream.ServiceDefaults.Configuration;

/// <summary>Turns a YAML document into configuration keys: mappings join with <c>:</c>, sequences index from 0.</summary>
public static class YamlConfigurationFlattener
{
    /// <summary>Parses <paramref name="text"/>; malformed YAML throws <see cref="FormatException"/> with the position.</summary>
    public static Dictionary<string, string?> Flatten(string text)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new FormatException($"line {ex.Start.Line}, column {ex.Start.Column}: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet throws this for some unterminated constructs, without a position.
            throw new FormatException($"not valid YAML ({ex.Message})", ex);
        }

        if (stream.Documents.Count == 0)
        {
            return data;
        }

        var root = stream.Documents[0].RootNode;
        if (root is YamlScalarNode { Value: null or "" or "~" or "null" })
        {
            return data;
        }

        if (root is not YamlMappingNode)
        {
            throw new FormatException("the document must be a mapping of keys to values");
        }

        Visit(root, null, data);
        return data;
    }

    private static void Visit(YamlNode node, string? path, Dictionary<string, string?> data)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children)
                {
                    var name = key is YamlScalarNode scalarKey ? scalarKey.Value ?? "" : throw new FormatException($"line {key.Start.Line}: keys must be plain words");
                    Visit(value, path is null ? name : $"{path}:{name}", data);
                }

                break;
            case YamlSequenceNode sequence:
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    Visit(sequence.Children[i], $"{path}:{i}", data);
                }

                break;
            case YamlScalarNode scalar when path is not null:
                data[path] = scalar.Value is "~" or "null" && scalar.Style == YamlDotNet.Core.ScalarStyle.Plain ? null : scalar.Value;
                break;
        }
    }
}
