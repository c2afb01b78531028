/**
 * Hessian spectra: eigenvalues, traces and spectral densities of any symmetric
 * {@link carnot.engine.LinearOperator} on flat parameter vectors — the exact full-batch Hessian
 * ({@code Hessian.of(model, loss, data, chunk)}), the Gauss-Newton matrix, a layer block of either
 * ({@link carnot.science.spectral.BlockOperator}), or an explicit matrix ({@link carnot.science.spectral.DenseOperator}).
 * For the many products of one solve at fixed weights, pass {@code Hessian.of(...).linearize()}
 * ({@link carnot.engine.Linearized}): the primal pass is recorded once and every product replays only its tangent
 * half, bitwise equal and about 0.6x the time.
 *
 * <ul>
 *   <li>{@link carnot.science.spectral.Lanczos}: top-k / bottom-k (algebraic or by magnitude), thick restart, full
 *       reorthogonalisation as GEMMs, residual stopping, warm start ({@code Lanczos.topK(op, k, tol, maxIter, warm)}).</li>
 *   <li>{@link carnot.science.spectral.Lobpcg}: block solver, k products per iteration in one batched HVP call.</li>
 *   <li>{@link carnot.science.spectral.PowerIteration}: the baseline.</li>
 *   <li>{@link carnot.science.spectral.Trace}: Hutchinson and Hutch++ with standard errors.</li>
 *   <li>{@link carnot.science.spectral.Slq}: stochastic Lanczos quadrature density
 *       ({@link carnot.science.spectral.SpectralDensity}: table, PNG, moments).</li>
 *   <li>{@link carnot.science.spectral.FullSpectrum}: dense Hessian from batched HVPs + LAPACK eigendecomposition.</li>
 * </ul>
 * Every method counts operator products (HVPs), is seeded, and computes its bulk vector work on the operator's
 * backend in the operator's dtype; small projected problems are solved in f64.
 */
package carnot.science.spectral;
