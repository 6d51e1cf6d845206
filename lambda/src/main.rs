//! `bootstrap`: the Lambda function. Configuration, S3 client and engine are built once per
//! container, before the first invocation; each invocation runs [`Handler::handle`].

// The runtime's service future nests the SDK's futures deeply enough to pass the default limit
// when rustc computes its layout.
#![recursion_limit = "256"]

use downsize_lambda::handler::deadline_from_context;
use downsize_lambda::storage::{self, Storage};
use downsize_lambda::{logging, Config, Handler};
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    logging::init_json();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            // Exiting during INIT makes Lambda report the function as failed to start, with this
            // line in its log: one clear message instead of one failure per image.
            tracing::error!(error = %error, error_type = error.error_type(), "refusing to start");
            return Err(error.into());
        }
    };
    tracing::info!(
        variants = config.request.variants.len(),
        threads = config.threads,
        max_input_bytes = config.limits.max_input_bytes,
        "starting"
    );
    let handler = Handler::new(config, Storage::new(storage::client_from_env().await));
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        let handler = handler.clone();
        async move {
            let deadline = deadline_from_context(&event.context);
            handler.handle(&event.payload, Some(deadline)).await.reply
        }
    }))
    .await
}
