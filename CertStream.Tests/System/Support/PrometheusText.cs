using System.Globalization;

namespace CertStream.Tests.SystemTests.Support;

/// <summary>Reads samples out of a Prometheus text exposition (<c>/metrics</c>).</summary>
public static class PrometheusText
{
    /// <summary>
    /// The sum of every sample of <paramref name="metric"/> whose labels include all of
    /// <paramref name="labels"/> (<c>key=value</c>); null when there is none.
    /// </summary>
    public static double? Sum(string text, string metric, params string[] labels)
    {
        double? sum = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#' || !line.StartsWith(metric, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = line[metric.Length..];
            string labelText;
            string valueText;
            if (rest.StartsWith('{'))
            {
                var close = rest.IndexOf('}', StringComparison.Ordinal);
                labelText = rest[1..close];
                valueText = rest[(close + 1)..].Trim();
            }
            else if (rest.StartsWith(' '))
            {
                labelText = "";
                valueText = rest.Trim();
            }
            else
            {
                continue; // another metric whose name starts with this one
            }

            var set = labelText.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Replace("\"", "", StringComparison.Ordinal)).ToHashSet();
            if (!labels.All(set.Contains))
            {
                continue;
            }

            var value = double.Parse(valueText.Split(' ')[0], CultureInfo.InvariantCulture);
            sum = (sum ?? 0) + value;
        }

        return sum;
    }
}
