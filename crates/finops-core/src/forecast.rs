//! Forecasting: weekday-profile forecasts, run-out dates and backtests (work in progress).
