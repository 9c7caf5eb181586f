using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using OpsConsole.Web.Features.Identity.Account;

namespace OpsConsole.Web.Hosting;

/// <summary>
/// Machine callers and form posts get RFC 9457 problem+json with the right status (a too-large body is 413, not 500);
/// people loading a page fall through to the friendly /error page.
/// </summary>
public sealed partial class ConsoleExceptionHandler(IProblemDetailsService problems, ILogger<ConsoleExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(exception);
        var status = StatusFor(exception);
        var unavailable = IsUnavailable(exception);
        if (status >= 500 && !unavailable)
        {
            LogUnhandled(exception, httpContext.Request.Path);
        }

        var isPageLoad = HttpMethods.IsGet(httpContext.Request.Method) && !ConsoleAuthentication.IsNonBrowserPath(httpContext.Request.Path);
        if (isPageLoad && status >= 500)
        {
            return false; // re-executed as /error
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = status,
                Title = status switch
                {
                    StatusCodes.Status413PayloadTooLarge => "Request body too large",
                    StatusCodes.Status503ServiceUnavailable => "Not performed",
                    < 500 => "Bad request",
                    _ => "The console could not complete this request",
                },
                Detail = status switch
                {
                    < 500 => exception.Message,
                    StatusCodes.Status503ServiceUnavailable => exception is Core.Audit.AuditUnavailableException
                        ? Core.Audit.AuditUnavailableException.UserMessage
                        : "The console's database is unavailable, so nothing was changed. Try again shortly.",
                    _ => "The error is in the console's log under this request's correlation id.",
                },
                Extensions = { ["correlationId"] = httpContext.TraceIdentifier },
            },
        });
    }

    /// <summary>A bad request (e.g. a body over the size limit) keeps its 4xx even when a reader wrapped it in another exception.</summary>
    public static int StatusFor(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is BadHttpRequestException bad)
            {
                return bad.StatusCode;
            }
        }

        // No audit, no action; and a database outage mid-action rolled everything back: both are "try again", not bugs.
        if (IsUnavailable(exception))
        {
            return StatusCodes.Status503ServiceUnavailable;
        }

        // A malformed form or a missing antiforgery token is the caller's mistake, not the console's.
        return exception is Microsoft.AspNetCore.Antiforgery.AntiforgeryValidationException || exception.GetBaseException() is InvalidDataException
            ? StatusCodes.Status400BadRequest
            : StatusCodes.Status500InternalServerError;
    }

    /// <summary>
    /// Anywhere in the chain: a refused connection is an NpgsqlException around a SocketException, so the innermost
    /// exception alone (GetBaseException) missed it and a rotation during an outage answered 500.
    /// </summary>
    internal static bool IsUnavailable(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is Core.Audit.AuditUnavailableException or Npgsql.NpgsqlException { IsTransient: true })
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception on {Path}")]
    private partial void LogUnhandled(Exception exception, string path);
}
