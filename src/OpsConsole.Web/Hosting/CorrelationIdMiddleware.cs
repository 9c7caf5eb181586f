using System.Text.RegularExpressions;
using OpsConsole.Web.Features.Audit;

namespace OpsConsole.Web.Hosting;

/// <summary>Gives every request a correlation id (the caller's X-Correlation-Id if sane) in the log scope and the response.</summary>
public sealed partial class CorrelationIdMiddleware(RequestDelegate next, ILogger<CorrelationIdMiddleware> logger)
{
    public const string HeaderName = "X-Correlation-Id";

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var incoming = context.Request.Headers[HeaderName].ToString();
        var id = SafeId().IsMatch(incoming) ? incoming : Guid.NewGuid().ToString("N");
        context.TraceIdentifier = id;
        AuditWebHosting.Fill(context.RequestServices.GetRequiredService<Core.Audit.AuditContext>(), context);
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[HeaderName] = id;
            return Task.CompletedTask;
        });
        using (logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = id }))
        {
            await next(context);
        }
    }

    // Echoed into logs and headers, so only short, plain tokens are accepted from outside.
    [GeneratedRegex("^[A-Za-z0-9._-]{8,64}$")]
    private static partial Regex SafeId();
}
