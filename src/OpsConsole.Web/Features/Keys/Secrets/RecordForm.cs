using OpsConsole.Core.Keys.Secrets;
using OpsConsole.Web.Shared;

namespace OpsConsole.Web.Features.Keys.Secrets;

/// <summary>The record dialog's time field: the viewer's wall clock read in their zone, with the message a person sees.</summary>
public static class RecordForm
{
    public static (DateTimeOffset? At, string? Error) Instant(string? local, TimeZoneInfo zone, DateTimeOffset now)
    {
        if (!Format.TryParseLocalInput(local, out var wall))
        {
            return (null, "Enter the date and time of the rotation.");
        }

        if (Format.FromLocal(wall, zone) is not { } at)
        {
            return (null, $"{local} does not exist in {zone.Id} (the clocks skip that hour).");
        }

        return at > now + SecretsService.ClockSkew
            ? (null, "That is in the future: record a rotation once it is done.")
            : (at, null);
    }
}
