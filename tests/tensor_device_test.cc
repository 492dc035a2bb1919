// Every op the training path uses, run on each GPU and compared with the CPU result: forward
// values, gradients and a few SGD steps of an MLP (GpuVsCpuTest: a comparison of the CPU with
// itself could not fail, so it runs on GPUs only). On every device, CPU included: gradcheck
// in float64, copies between devices, printing. The CUDA cases skip (with CUDA's own message)
// where no GPU can be used; the tests of what a machine without a GPU must say run there.
#include <functional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tensor/autograd/gradcheck.h"
#include "tensor/cuda/runtime.h"
#include "tensor/functions.h"
#include "tensor/nn/activation.h"
#include "tensor/nn/loss.h"
#include "tensor/nn/sequential.h"
#include "tensor/optim/sgd.h"
#include "tests/test_util.h"

namespace concord {
namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

struct OpCase {
  std::string name;
  Fn fn;
  std::vector<Tensor> inputs;  // on the CPU; float inputs also get gradients checked
};

Generator& Gen() {
  static Generator gen(7);
  return gen;
}

Tensor R(const Shape& shape, DType dtype = kFloat32) { return randn(shape, Gen(), dtype); }
Tensor Positive(const Shape& shape, DType dtype = kFloat32) { return rand(shape, Gen(), dtype) + 0.5; }

std::vector<OpCase> Cases() {
  Tensor labels = tensor({2, 0, 1, 1}, kInt64);
  return {
      {"add_broadcast", [](auto& x) { return x[0] + x[1]; }, {R({4, 3}), R({3})}},
      {"sub_alpha", [](auto& x) { return sub(x[0], x[1], 0.5); }, {R({4, 3}), R({4, 1})}},
      {"mul_transposed", [](auto& x) { return x[0].t() * x[1]; }, {R({3, 4}), R({4, 3})}},
      {"div", [](auto& x) { return x[0] / x[1]; }, {R({5}), Positive({5})}},
      {"pow_scalar", [](auto& x) { return x[0].pow(3); }, {R({6})}},
      {"pow_tensor", [](auto& x) { return pow(x[0], x[1]); }, {Positive({6}), R({6})}},
      {"maximum", [](auto& x) { return maximum(x[0], x[1]); }, {R({2, 3}), R({2, 3})}},
      {"minimum", [](auto& x) { return minimum(x[0], x[1]); }, {R({2, 3}), R({1, 3})}},
      {"scalar_ops", [](auto& x) { return (x[0] * 2.5 + 1) / 3 - 0.25; }, {R({7})}},
      {"neg_abs", [](auto& x) { return abs(-x[0]); }, {R({7})}},
      {"exp_log", [](auto& x) { return log(x[0]) + exp(x[0]); }, {Positive({7})}},
      {"sqrt", [](auto& x) { return sqrt(x[0]); }, {Positive({7})}},
      {"sigmoid", [](auto& x) { return sigmoid(x[0] * 10); }, {R({4, 5})}},
      {"tanh", [](auto& x) { return tanh(x[0]); }, {R({4, 5})}},
      {"relu", [](auto& x) { return relu(x[0]); }, {R({4, 5})}},
      {"leaky_relu", [](auto& x) { return nn::leaky_relu(x[0], 0.1); }, {R({4, 5})}},
      {"elu", [](auto& x) { return nn::elu(x[0]); }, {R({4, 5})}},
      {"softmax", [](auto& x) { return nn::softmax(x[0], 1); }, {R({4, 5})}},
      {"log_softmax", [](auto& x) { return nn::log_softmax(x[0], 0); }, {R({4, 5})}},
      {"clamp", [](auto& x) { return clamp(x[0], -0.5, 0.5); }, {R({9})}},
      {"where", [](auto& x) { return where(gt(x[0], 0), x[0], x[1]); }, {R({3, 3}), R({3, 3})}},
      {"compare", [](auto& x) { return le(x[0], x[1]); }, {R({3, 3}), R({3})}},
      {"sum_all", [](auto& x) { return x[0].sum(); }, {R({50, 7})}},
      {"sum_dim0", [](auto& x) { return x[0].sum(0); }, {R({50, 7})}},
      {"sum_dim1_keepdim", [](auto& x) { return x[0].sum(1, true); }, {R({50, 7})}},
      {"mean_dim", [](auto& x) { return x[0].mean(-1); }, {R({3, 4, 5})}},
      {"max_dim", [](auto& x) { return x[0].max(1); }, {R({6, 5})}},
      {"min_all", [](auto& x) { return x[0].min(); }, {R({6, 5})}},
      {"argmax_dim", [](auto& x) { return x[0].argmax(1); }, {R({6, 5})}},
      {"argmin_all", [](auto& x) { return x[0].argmin(); }, {R({6, 5})}},
      {"mm", [](auto& x) { return mm(x[0], x[1]); }, {R({5, 7}), R({7, 3})}},
      {"mm_transposed", [](auto& x) { return mm(x[0].t(), x[1].t()); }, {R({7, 5}), R({3, 7})}},
      {"mm_strided", [](auto& x) { return mm(x[0].slice(1, 0, 8, 2), x[1]); }, {R({4, 8}), R({4, 2})}},
      {"addmm_linear", [](auto& x) { return addmm(x[0], x[1], x[2].t()); }, {R({3}), R({5, 7}), R({3, 7})}},
      {"matmul_vector", [](auto& x) { return matmul(x[0], x[1]); }, {R({4, 6}), R({6})}},
      {"dot", [](auto& x) { return dot(x[0], x[1]); }, {R({9}), R({9})}},
      {"index_select_rows", [](auto& x) { return x[0].index_select(0, tensor({3, 0, 3}, kInt64)); }, {R({4, 5})}},
      {"index_select_cols", [](auto& x) { return x[0].index_select(1, tensor({4, 1}, kInt64)); }, {R({4, 5})}},
      {"cat_stack", [](auto& x) { return cat({stack({x[0], x[1]}), x[0].unsqueeze(0)}); }, {R({2, 3}), R({2, 3})}},
      {"contiguous_permute", [](auto& x) { return x[0].permute({2, 0, 1}).contiguous() * 1; }, {R({2, 3, 4})}},
      {"to_float64", [](auto& x) { return x[0].to(kFloat64) * 2; }, {R({5})}},
      {"to_int64", [](auto& x) { return (x[0] * 10).to(kInt64); }, {R({5})}},
      {"int64_arithmetic", [](auto& x) { return x[0].view({3, 4}) * 3 - 5; }, {arange(0, 12, 1)}},
      {"copy_broadcast", [](auto& x) { return zeros({3, 4}, TensorOptions().device(x[0].device())).copy_(x[0]); },
       {R({4})}},
      {"cross_entropy_labels",
       [labels](auto& x) { return nn::cross_entropy(x[0], labels.to(x[0].device()), 10.0); },
       {R({4, 3})}},
      {"cross_entropy_probs", [](auto& x) { return nn::cross_entropy(x[0], nn::softmax(x[1], 1).detach()); },
       {R({4, 3}), R({4, 3})}},
      {"mse", [](auto& x) { return nn::mse(x[0], x[1]); }, {R({4, 3}), R({4, 3})}},
  };
}

std::string CudaUnavailableReason() {
  absl::StatusOr<int> count = CudaDeviceCount();
  if (!count.ok()) return std::string(count.status().message());
  if (*count == 0) return "no CUDA device visible";
  return "";
}

class DeviceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    device_ = *Device::Parse(GetParam());
    if (device_.is_cuda()) {
      const std::string reason = CudaUnavailableReason();
      if (!reason.empty()) GTEST_SKIP() << "no GPU: " << reason;
    }
  }
  std::vector<Tensor> On(const std::vector<Tensor>& inputs) {
    std::vector<Tensor> out;
    for (const Tensor& t : inputs) out.push_back(t.to(device_));
    return out;
  }
  Device device_;
};

// The comparisons of a GPU with the CPU.
class GpuVsCpuTest : public DeviceTest {};

void ExpectSameResult(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  ASSERT_EQ(got.dtype(), want.dtype()) << what;
  const Tensor host = got.cpu();
  if (IsFloating(want.dtype())) {
    EXPECT_TRUE(host.allclose(want, 1e-5, 1e-6)) << what << "\n got " << host << "\nwant " << want;
  } else {
    EXPECT_TRUE(host.equal(want)) << what << "\n got " << host << "\nwant " << want;
  }
}

TEST_P(GpuVsCpuTest, ForwardMatchesCpu) {
  for (const OpCase& c : Cases()) {
    SCOPED_TRACE(c.name);
    const Tensor want = c.fn(c.inputs);
    const std::vector<Tensor> moved = On(c.inputs);
    const Tensor got = c.fn(moved);
    EXPECT_EQ(got.device(), device_) << c.name;
    ExpectSameResult(got, want, c.name);
  }
}

TEST_P(GpuVsCpuTest, GradientsMatchCpu) {
  for (const OpCase& c : Cases()) {
    SCOPED_TRACE(c.name);
    std::vector<Tensor> cpu_in, dev_in;
    for (const Tensor& t : c.inputs) {
      Tensor a = t.to(kFloat64).clone();
      Tensor b = a.to(device_).clone();
      if (IsFloating(t.dtype())) {
        a.requires_grad_();
        b.requires_grad_();
      }
      cpu_in.push_back(a);
      dev_in.push_back(b);
    }
    Tensor want = c.fn(cpu_in);
    if (!IsFloating(want.dtype()) || !want.requires_grad()) continue;
    Tensor probe = rand(want.shape(), Gen(), kFloat64);
    (want * probe).sum().backward();
    (c.fn(dev_in) * probe.to(device_)).sum().backward();
    for (size_t i = 0; i < cpu_in.size(); ++i) {
      if (!cpu_in[i].grad().defined()) {  // an input the result does not depend on through autograd
        EXPECT_FALSE(dev_in[i].grad().defined()) << c.name << " input " << i;
        continue;
      }
      ASSERT_TRUE(dev_in[i].grad().defined()) << c.name << " input " << i;
      EXPECT_EQ(dev_in[i].grad().device(), device_);
      ExpectSameResult(dev_in[i].grad(), cpu_in[i].grad(), c.name + " gradient of input " + std::to_string(i));
    }
  }
}

TEST_P(DeviceTest, GradcheckInFloat64) {
  Generator gen(3);
  Tensor w = randn({5, 4}, gen, TensorOptions(kFloat64).device(device_)).requires_grad_();
  Tensor b = randn({4}, gen, TensorOptions(kFloat64).device(device_)).requires_grad_();
  Tensor x = randn({3, 5}, gen, TensorOptions(kFloat64).device(device_));
  Tensor labels = tensor({1, 3, 0}, TensorOptions(kInt64).device(device_));
  for (nn::Activation act : {nn::Activation::kRelu, nn::Activation::kSigmoid, nn::Activation::kTanh,
                             nn::Activation::kLeakyRelu, nn::Activation::kElu}) {
    GradcheckResult r = gradcheck(
        [&](const std::vector<Tensor>& in) {
          return nn::cross_entropy(nn::Apply(act, matmul(x, in[0]) + in[1]), labels);
        },
        {w, b}, 1e-6);
    EXPECT_TRUE(r.ok) << r.message;
  }
}

TEST_P(GpuVsCpuTest, SgdStepsOfAnMlpMatchCpu) {
  auto train = [](Device device, double momentum) {
    Generator gen(11);
    std::shared_ptr<nn::Sequential> model = nn::MakeMlp({8, 16, 3}, nn::Activation::kRelu, nn::Init::kHe, gen);
    model->to(device);
    auto sgd = optim::Sgd::Create(model->parameters(), {.lr = 0.1, .momentum = momentum, .weight_decay = 1e-3});
    Generator data(5);
    Tensor x = randn({6, 8}, data).to(device);
    Tensor y = tensor({0, 1, 2, 2, 1, 0}, kInt64).to(device);
    for (int step = 0; step < 3; ++step) {
      nn::cross_entropy(model->Forward(x), y).backward();
      (*sgd)->Step();
      (*sgd)->ZeroGrad();
    }
    std::vector<Tensor> params;
    for (const Tensor& p : model->parameters()) {
      EXPECT_EQ(p.device(), device);
      params.push_back(p.detach().cpu());
    }
    return params;
  };
  for (double momentum : {0.0, 0.9}) {
    std::vector<Tensor> want = train(Device::Cpu(), momentum);
    std::vector<Tensor> got = train(device_, momentum);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_TRUE(got[i].allclose(want[i], 1e-5, 1e-6)) << "momentum " << momentum << " parameter " << i;
    }
  }
}

TEST_P(DeviceTest, CopiesBetweenDevicesRoundTrip) {
  Tensor a = R({17, 3});
  // Pinned memory needs a working CUDA driver, as in PyTorch.
  Tensor pinned = CudaUnavailableReason().empty() ? a.pin_memory() : a.clone();
  EXPECT_EQ(pinned.is_pinned(), CudaUnavailableReason().empty());
  EXPECT_TRUE(pinned.equal(a));
  Tensor there = pinned.to(device_);
  EXPECT_EQ(there.device(), device_);
  EXPECT_TRUE(there.t().contiguous().cpu().equal(a.t().contiguous()));
  EXPECT_TRUE(there.cpu().equal(a));
  EXPECT_DOUBLE_EQ(there[3][1].item(), a[3][1].item());
  // A non-contiguous destination on the device.
  Tensor dst = zeros({3, 17}, TensorOptions().device(device_)).t();
  dst.copy_(a);
  EXPECT_TRUE(dst.cpu().equal(a));
}

TEST_P(DeviceTest, PrintsTheDevice) {
  Tensor t = tensor({1.5, 2.0}).to(device_);
  const std::string expected = device_.is_cpu() ? "tensor([1.5000, 2.0000])"
                                                 : "tensor([1.5000, 2.0000], device='" + device_.ToString() + "')";
  EXPECT_EQ(t.ToString(), expected);
}

TEST_P(GpuVsCpuTest, MixingDevicesIsAnError) {
  Tensor a = ones({3});
  Tensor b = ones({3}).to(device_);
  const std::string name = device_.ToString();
  EXPECT_TRUE(test_util::ThrowsTensorError([&] { return a + b; }, {"same device", "cpu", name}));
  EXPECT_TRUE(test_util::ThrowsTensorError([&] { return b.data<float>(); }, {"is on", "cpu()"}));
}

std::string ParamName(const ::testing::TestParamInfo<std::string>& info) {
  return info.param == "cpu" ? std::string("cpu") : std::string("cuda0");
}
INSTANTIATE_TEST_SUITE_P(Devices, DeviceTest, ::testing::Values("cpu", "cuda:0"), ParamName);
INSTANTIATE_TEST_SUITE_P(Gpus, GpuVsCpuTest, ::testing::Values("cuda:0"), ParamName);

// Where CUDA cannot run, asking for GPU memory is a TensorError carrying CUDA's reason.
TEST(NoGpuTest, CudaTensorsFailWithCudasMessage) {
  const std::string reason = CudaUnavailableReason();
  if (reason.empty()) GTEST_SKIP() << "a GPU is present";
  EXPECT_TRUE(test_util::ThrowsTensorError([] { return zeros({4}, TensorOptions().device(Device::Cuda(0))); },
                                           {"cuda:0", "cannot allocate"}));
  EXPECT_TRUE(test_util::ThrowsTensorError([] { return ones({4}).to(Device::Cuda(0)); }, {"cuda:0"}));
  EXPECT_TRUE(test_util::ThrowsTensorError([] { return ones({4}).pin_memory(); }, {"pinned"}));
}

// set_data swaps what a tensor holds for every handle to it, keeping its autograd state.
TEST(SetDataTest, KeepsIdentityAndGradState) {
  Tensor p = ones({2, 2}).requires_grad_();
  Tensor alias = p;
  p.set_data(full({3}, 2.0));
  EXPECT_EQ(alias.shape(), (Shape{3}));
  EXPECT_TRUE(alias.requires_grad());
  (alias * alias).sum().backward();
  EXPECT_TRUE(p.grad().equal(full({3}, 4.0)));
}

}  // namespace
}  // namespace concord
