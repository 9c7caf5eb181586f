using OpsConsole.Core.Keys;
using OpsConsole.Web.Features.Keys.Secrets;
using OpsConsole.Web.Api;
using OpsConsole.Web.Hosting;

namespace OpsConsole.Web.Features.Keys;

/// <summary>
/// Signing keys: the capability (rings, their stored keys, the JWKS cache), its pages (/keys, /keys/{ring}) and the public JWKS endpoints
/// /.well-known/jwks.json and /keys/{ring}/jwks.json. Not part of /api/v1 (they are public documents, like /health).
/// </summary>
public static class KeysWebHosting
{
    public static WebApplicationBuilder AddKeysWeb(this WebApplicationBuilder builder)
    {
        builder.RequireShell(nameof(AddKeysWeb));
        builder.Services.AddSingleton<OpsConsole.Core.Hosting.ILocalAddress, ServerLocalAddress>();
        builder.AddConsoleKeys();
        builder.Services.AddSingleton<IKeyCommands, KeyCommands>();
        builder.Services.AddSingleton<IConsoleKeyCommands, ConsoleKeyCommands>();
        builder.Services.AddSingleton<KeyFeed>();
        builder.Services.AddSecretsWeb();
        return builder;
    }

    public static IEndpointRouteBuilder MapKeys(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        // Short-circuited right after routing: anonymous, read from memory, polled by every consumer, so authentication,
        // rate limiting and request metrics are skipped (about 35 % more requests/s in the keys harness); JwksResponse counts them.
        endpoints.MapGet("/.well-known/jwks.json", (HttpContext context, JwksCache cache, ConfiguredKeyRings rings) =>
                JwksResponse.Write(context, cache.All, rings.JwksMaxAge, JwksResponse.AllRings))
            .AllowAnonymous().ShortCircuit().ExcludeFromDescription();
        endpoints.MapGet("/keys/{ring}/jwks.json", (string ring, HttpContext context, JwksCache cache, ConfiguredKeyRings rings) =>
                cache.ForRing(ring) is { } document
                    ? JwksResponse.Write(context, document, rings.JwksMaxAge, ring)
                    : JwksResponse.NotFound(ring))
            .AllowAnonymous().ShortCircuit().ExcludeFromDescription();
        endpoints.MapConsoleApiGroup().MapKeyApi().MapSecretApi();
        return endpoints;
    }
}
