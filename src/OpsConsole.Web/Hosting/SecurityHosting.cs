using System.Net;
using System.Threading.RateLimiting;
using OpsConsole.Web.Features.Identity.Account;

namespace OpsConsole.Web.Hosting;

public static class SecurityHosting
{
    public const string DisplayPairingRateLimitPolicy = "display-pair";

    /// <summary>Rate limiting of sign-in attempts per client address (lockout covers per-account guessing).</summary>
    public static WebApplicationBuilder AddConsoleSecurity(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Kestrel's own config binding covers endpoints only; Limits (e.g. MaxRequestBodySize) are bound here.
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(builder.Configuration.GetSection("Kestrel"));
        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(ConsoleAuthentication.SignInRateLimitPolicy, context =>
                AttemptsPerAddress(context, builder.Configuration.GetValue("Security:SignInAttemptsPerMinute", 20)));
            // Pairing codes are short enough to type on a TV remote; guessing them is what this limit stops.
            options.AddPolicy(DisplayPairingRateLimitPolicy, context =>
                AttemptsPerAddress(context, builder.Configuration.GetValue("Security:DisplayPairingAttemptsPerMinute", 10)));
        });
        return builder;
    }

    // Only attempts (POST) count; showing the form is free.
    private static RateLimitPartition<string> AttemptsPerAddress(HttpContext context, int permitsPerMinute)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            return RateLimitPartition.GetNoLimiter("form");
        }

        var address = context.Connection.RemoteIpAddress ?? IPAddress.None;
        return RateLimitPartition.GetFixedWindowLimiter(address.ToString(), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permitsPerMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
    }
}
