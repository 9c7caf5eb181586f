using System.Text.Json;

namespace OpsConsole.Core.Live;

internal static class LiveJson
{
    /// <summary>Web defaults (camelCase, case-insensitive read) so browsers and other instances see the same shape.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
